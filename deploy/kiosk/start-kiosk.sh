#!/usr/bin/env bash
# Starts Chromium as a OneWindow hall kiosk: full screen on <server>/kiosk/, with nothing a
# passing visitor could use to leave it or leave it broken for the next one (history swipes,
# pinch zoom, translation bar, error and crash-restore dialogs, first-run screens, updates).
#
#   start-kiosk.sh [SERVER]     SERVER defaults to $ONEWINDOW_SERVER, else http://127.0.0.1:8080
#
# The profile directory ($ONEWINDOW_KIOSK_PROFILE, default ~/.local/share/onewindow-kiosk)
# keeps the device cookie of the one-time enrolment (<server>/kiosk/enrol); the kiosk itself
# stores nothing of its visitors there.
set -euo pipefail

server="${1:-${ONEWINDOW_SERVER:-http://127.0.0.1:8080}}"
server="${server%/}"
profile="${ONEWINDOW_KIOSK_PROFILE:-${XDG_DATA_HOME:-$HOME/.local/share}/onewindow-kiosk}"
browser="${CHROMIUM_BIN:-}"
if [[ -z "$browser" ]]; then
  for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      browser="$candidate"
      break
    fi
  done
fi
if [[ -z "$browser" ]]; then
  echo "start-kiosk.sh: no Chromium found (set CHROMIUM_BIN)" >&2
  exit 1
fi
mkdir -p "$profile"

# A crash or power cut marks the profile as not cleanly closed; clear the mark so Chromium
# opens the kiosk rather than offering to restore the last visitor's pages.
prefs="$profile/Default/Preferences"
if [[ -f "$prefs" ]]; then
  sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
fi

flags=(
  --kiosk
  --user-data-dir="$profile"
  --no-first-run
  --noerrdialogs
  # The crash-restore bubble: its older and newer names.
  --disable-session-crashed-bubble
  --hide-crash-restore-bubble
  --disable-pinch
  --overscroll-history-navigation=0
  --disable-translate
  --disable-features=Translate,TranslateUI
  --check-for-update-interval=31536000
  # Print buttons (only where the kiosk's configuration has `printer = true`) print straight
  # to the default printer, with no dialog a visitor could not close.
  --kiosk-printing
)
exec "$browser" "${flags[@]}" "$server/kiosk/"
