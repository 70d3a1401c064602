# Shared by scripts/demo and scripts/test: system packages and the project venv.
# Sourced, not run. Installs only what is missing, so a second run is quick.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_debian_packages PKG...: apt-get installs the ones not yet installed (root only).
ensure_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The libraries Qt's xcb/offscreen platforms and Qt Multimedia load at run time. Qt
# Multimedia's FFmpeg backend dlopen()s libva (va, va-drm, va-x11) and PipeWire when it
# starts and warns for each one it cannot find, so they are installed, not filtered out
# (tests/ui/test_runtime_libraries.py fails when one is missing).
QT_RUNTIME_PACKAGES=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
    libxcb-render-util0 libxcb-image0 libpulse0 libasound2 fonts-noto-cjk
    libva2 libva-drm2 libva-x11-2 libpipewire-0.3-0)

# ensure_venv [EXTRAS]: create .venv if missing and install the project when its
# dependencies changed since the last install.
ensure_venv() {
    local extras="${1:-}"
    local spec="."
    [ -n "$extras" ] && spec=".[$extras]"
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.agentdesk-installed-$extras"
    local want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing agentdesk${extras:+ with [$extras]} into $VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$([ -n "$extras" ] && echo "[$extras]")" \
            || { log "pip install failed"; return 1; }
        echo "$want" > "$stamp"
    fi
}
