#!/bin/sh
# Container entrypoint: serve ParamLab with Streamlit. Configuration comes from CHAT_* variables:
#   CHAT_PORT     port to serve on (default 8501)
#   CHAT_ADDRESS  address to bind (default 0.0.0.0 so the container port can be published;
#                 tests and local use pass 127.0.0.1)
#   CHAT_PYTHON   the Python to run (default: python3 on PATH)
# Everything else (CHAT_BASE_URL, CHAT_APIKEY, CHAT_DATA_DIR, CHAT_LOG_DIR, CHAT_ALLOW_PRIVATE...)
# is read by the app itself. Extra arguments are passed on to `streamlit run`.
set -eu

port="${CHAT_PORT:-8501}"
case "$port" in
  ''|*[!0-9]*) echo "CHAT_PORT: must be a port number 1-65535, got '$port'" >&2; exit 2 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "CHAT_PORT: must be a port number 1-65535, got '$port'" >&2; exit 2
fi

# The app directory is the one above this script (serve.py, playground.py, pages/, .streamlit/ live there).
# serve.py serves the pages and the relay (/v1, /chat-room); the relay stays off unless a relay key
# (CHAT_RELAY_KEY) is set, because the container listens on every interface (CHAT_ADDRESS=0.0.0.0).
cd "$(dirname "$0")/.."

exec "${CHAT_PYTHON:-python3}" -m streamlit run serve.py \
  --server.address "${CHAT_ADDRESS:-0.0.0.0}" \
  --server.port "$port" \
  --server.headless true \
  --server.fileWatcherType none \
  --browser.gatherUsageStats false \
  "$@"
