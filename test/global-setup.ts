/**
 * Runs once before the test files: builds the prepared embedded database (a migrated PGlite as a
 * tarball in the temp folder) that every service and browser test loads. Creating one takes seconds
 * on a busy machine; done here, that time counts against no test's timeout.
 */
import { preparedTarball } from './service/support/db.js';

export default async function setup(): Promise<void> {
  await preparedTarball();
}
