/**
 * The checkout's stylesheet, served from `/pay/assets/checkout.css` (the CSP allows no inline style).
 * Phone first: one column, large touch targets. Fintoc's button image is shown as Fintoc serves it:
 * no shadow, hover, stroke, radius or padding of ours on it.
 */
export const checkoutCss = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1f36;background:#f4f5f8;line-height:1.45}
main{min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:24px 16px}
.pasarela-card{width:100%;max-width:420px;background:#fff;border-radius:12px;padding:24px 20px;border:1px solid #e3e6ee}
.pasarela-header{display:flex;justify-content:space-between;align-items:baseline;gap:12px;margin-bottom:20px;border-bottom:1px solid #eef0f5;padding-bottom:12px}
.pasarela-shop{margin:0;font-weight:700;font-size:18px}
.pasarela-order{margin:0;color:#697386;font-size:13px}
.pasarela-amount-label{margin:0;color:#697386;font-size:14px}
.pasarela-amount{margin:4px 0 16px;font-size:32px;font-weight:700;letter-spacing:-.5px}
.pasarela-hint{margin:0 0 20px;color:#3c4257;font-size:15px}
.pasarela-notice{margin:0 0 16px;padding:10px 12px;border-radius:8px;background:#fff4e5;color:#7a4100;font-size:14px}
.fintoc-button{display:block;width:100%;margin:0 0 16px;padding:0;border:0;background:transparent;cursor:pointer;min-height:48px}
.fintoc-button[disabled]{cursor:progress}
.fintoc-button-image{display:block;max-width:100%;margin:0 auto}
.fintoc-button-text{display:none}
.fintoc-button-fallback .fintoc-button-image{display:none}
.fintoc-button-fallback .fintoc-button-text{display:flex;align-items:center;justify-content:center;min-height:52px;width:100%;border-radius:8px;background:#0a2540;color:#fff;font-size:17px;font-weight:600}
.pasarela-link{display:block;text-align:center;color:#3c4257;font-size:15px;padding:12px;text-decoration:underline}
.pasarela-status{margin:0 0 16px;padding:16px;border-radius:10px;background:#f6f8fa}
.pasarela-status h1{margin:0 0 6px;font-size:20px}
.pasarela-status p{margin:0;color:#3c4257;font-size:15px}
.pasarela-status-succeeded{background:#e7f7ee}
.pasarela-status-succeeded h1{color:#0b6b3a}
.pasarela-status-failed,.pasarela-status-error{background:#fdecec}
.pasarela-status-failed h1,.pasarela-status-error h1{color:#a4161a}
.pasarela-status-canceled,.pasarela-status-expired,.pasarela-status-exited{background:#fff4e5}
.pasarela-status-canceled h1,.pasarela-status-expired h1,.pasarela-status-exited h1{color:#7a4100}
.pasarela-confirming h1::after{content:"";display:inline-block;width:14px;height:14px;margin-left:10px;border:2px solid #c1c9d2;border-top-color:#0a2540;border-radius:50%;animation:pasarela-spin 1s linear infinite;vertical-align:middle}
@keyframes pasarela-spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.pasarela-confirming h1::after{animation:none}}
`;
