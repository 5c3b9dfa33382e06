# Sourced by the benchmark scripts, with REPO set: SYNDIC, or a release
# build made now.
if [[ -z "${SYNDIC:-}" ]]; then
  (cd "$REPO" && cargo build --release -p syndic-cli >&2)
  SYNDIC="${CARGO_TARGET_DIR:-$REPO/target}/release/syndic"
fi
