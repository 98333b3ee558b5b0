#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (real clients and a browser); run as root.
# The test runner refuses to start while any of them is missing, so nothing is skipped silently.
set -euo pipefail
packages=(
  g++ make python3
  ffmpeg rtmpdump chromium srt-tools openssl nginx libnginx-mod-rtmp util-linux
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp
  vlc-bin vlc-plugin-base vlc-plugin-access-extra
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
