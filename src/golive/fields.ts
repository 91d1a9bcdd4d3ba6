/** The verdict on one field a person typed: its normal form, or why it was refused (a sentence). */
export type FieldCheck = { ok: true; value: string } | { ok: false; reason: string };
