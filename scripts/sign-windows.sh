#!/usr/bin/env bash
# sign-windows.sh signs Windows executables in place with Authenticode,
# through osslsigncode. `make dist` runs it when a certificate is configured;
# gateway/internal/e2e/dist_test.go runs it with a throwaway certificate.
#
#   scripts/sign-windows.sh FILE.exe...
#
# The certificate comes from the environment, one of:
#   SIGN_PFX=code-signing.pfx  SIGN_PASS=...         (PKCS#12 bundle)
#   SIGN_CERT=cert.pem  SIGN_KEY=key.pem  [SIGN_PASS=...]   (PEM chain and key)
# Optional:
#   SIGN_TIMESTAMP_URL  RFC 3161 time-stamp server (e.g. your CA's); without
#                       one, signatures stop validating when the certificate
#                       expires. Nothing is contacted unless this is set.
#   SIGN_DESC           program name shown by Windows (default "Tether client")
#   SIGN_URL            URL shown with it
# The password is passed on stdin (-readpass -), never on the command line.
set -euo pipefail

die() { echo "sign-windows: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 FILE.exe..."
command -v osslsigncode >/dev/null || die "osslsigncode not found (apt-get install osslsigncode)"

args=(sign -h sha256 -n "${SIGN_DESC:-Tether client}")
if [ -n "${SIGN_PFX:-}" ]; then
  [ -r "$SIGN_PFX" ] || die "SIGN_PFX=$SIGN_PFX is not readable"
  args+=(-pkcs12 "$SIGN_PFX")
elif [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ]; then
  [ -r "$SIGN_CERT" ] || die "SIGN_CERT=$SIGN_CERT is not readable"
  [ -r "$SIGN_KEY" ] || die "SIGN_KEY=$SIGN_KEY is not readable"
  args+=(-certs "$SIGN_CERT" -key "$SIGN_KEY")
else
  die "no certificate: set SIGN_PFX (+ SIGN_PASS) or SIGN_CERT and SIGN_KEY"
fi
[ -n "${SIGN_URL:-}" ] && args+=(-i "$SIGN_URL")
[ -n "${SIGN_TIMESTAMP_URL:-}" ] && args+=(-ts "$SIGN_TIMESTAMP_URL")
havepass=
if [ -n "${SIGN_PASS:-}" ]; then
  args+=(-readpass -)
  havepass=1
fi

for f in "$@"; do
  [ -f "$f" ] || die "$f: no such file"
  tmp="$f.signing"
  rm -f "$tmp"
  if [ -n "$havepass" ]; then
    printf '%s' "$SIGN_PASS" | osslsigncode "${args[@]}" -in "$f" -out "$tmp" >/dev/null || { rm -f "$tmp"; die "$f: signing failed"; }
  else
    osslsigncode "${args[@]}" -in "$f" -out "$tmp" </dev/null >/dev/null || { rm -f "$tmp"; die "$f: signing failed"; }
  fi
  chmod --reference="$f" "$tmp" 2>/dev/null || chmod 755 "$tmp"
  mv -f "$tmp" "$f"
  echo "signed $f"
done
