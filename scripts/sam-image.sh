#!/usr/bin/env bash
# A stand-in for the Lambda Python 3.13 base image, for `sam local` on a machine that cannot pull
# public.ecr.aws/lambda/python: Debian trixie (whose python3 is 3.13) from debootstrap, boto3 (the
# Lambda runtime ships it), the AWS Lambda Runtime Interface Client, and /var/runtime/bootstrap.
# SAM adds its Runtime Interface Emulator (from the aws-sam-cli wheel) on top when it invokes.
#
# With internet access, use the real image instead: drop `--invoke-image` and `--skip-pull-image`
# from the sam commands (scripts/sam-test.sh) and SAM pulls public.ecr.aws/lambda/python:3.13.
#
# Built once: the image carries a label with this recipe's hash and is rebuilt only when it
# changes. Needs root, debootstrap and a running Docker daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH="$(uname -m | sed 's/aarch64/arm64/')"
IMAGE="${SAM_IMAGE:-starter/lambda-python:3.13-$ARCH}"
BOTO3="boto3==1.40.4"  # as in the Lambda python3.13 runtime (it ships boto3 1.40)
RIC="awslambdaric==4.2.2"
RECIPE="$(cat "$0" | sha256sum | cut -c1-16)"

if [ "$(docker image inspect -f '{{index .Config.Labels "recipe"}}' "$IMAGE" 2>/dev/null)" = "$RECIPE" ]; then
    echo "sam-image: $IMAGE is current (recipe $RECIPE)"
    exit 0
fi
echo "sam-image: building $IMAGE, a stand-in for the Lambda Python 3.13 base image"
started=$SECONDS
root="$(mktemp -d /tmp/starter-sam-rootfs-XXXXXX)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates \
    trixie "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null

# This machine's extra CA certificates (an egress proxy) for pip, during the build only.
extra=()
for cert in /usr/local/share/ca-certificates/*.crt; do
    [ -e "$cert" ] || continue
    cp "$cert" "$root/usr/local/share/ca-certificates/" && extra+=("$(basename "$cert")")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" update-ca-certificates >/dev/null 2>&1
chroot "$root" env PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore \
    pip install --quiet --no-cache-dir "$BOTO3" "$RIC"
for cert in "${extra[@]}"; do rm -f "$root/usr/local/share/ca-certificates/$cert"; done
chroot "$root" update-ca-certificates --fresh >/dev/null 2>&1
rm -f "$root/etc/resolv.conf"

mkdir -p "$root/var/runtime" "$root/var/task" "$root/opt"
cat > "$root/var/runtime/bootstrap" <<'SH'
#!/bin/sh
# The Lambda Python runtime's contract: run the handler named by _HANDLER through the Runtime
# Interface Client, with the function's code and its layers on the path.
export PYTHONPATH="/var/task:/opt/python${PYTHONPATH:+:$PYTHONPATH}"
cd /var/task
exec /usr/bin/python3 -m awslambdaric "$_HANDLER"
SH
chmod +x "$root/var/runtime/bootstrap"

tar -C "$root" -c . | docker import \
    -c 'ENV LANG=C.UTF-8 LAMBDA_TASK_ROOT=/var/task' -c 'WORKDIR /var/task' \
    -c "LABEL recipe=$RECIPE" - "$IMAGE" >/dev/null
echo "sam-image: built $IMAGE in $((SECONDS - started)) s"
