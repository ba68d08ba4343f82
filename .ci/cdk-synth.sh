#!/usr/bin/env bash
# Synthesize the CDK app with the pinned CDK CLI, as a newcomer would, with
# no AWS credentials: installs the CLI from package-lock.json, builds the
# four Lambda handlers locally (go build, no Docker) and runs cdk-nag.
# A cdk-nag error or a failed handler build fails the synth. The sample
# organization policies (policiesDir) are bundled too, to prove that path:
# they are validated by the engine's loader and copied into every asset.
set -euo pipefail
cd "$(dirname "$0")/.."

# jsii silences its end-of-life warning for the listed Node majors only.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
export CDK_DISABLE_CLI_TELEMETRY=true
# No credentials: never look for them on the network either.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN CDK_DEFAULT_ACCOUNT CDK_DEFAULT_REGION

npm ci --prefix .cdk --no-audit --no-fund --loglevel=error
rm -rf cdk.out
start=$(date +%s)
policies=cdk/internal/config/testdata/policies/ok
.cdk/node_modules/.bin/cdk synth --quiet --no-notices --ci -c policiesDir="$policies"
echo "cdk synth: $(( $(date +%s) - start ))s"

# The synth produced the central template, the four bundled arm64 handlers
# (each with the organization's policies, tests excluded), the member
# template, one management-account stack per covered region (cdk.json:
# us-east-1, us-west-2) and the cdk-nag report of every stack.
test -s cdk.out/SecretWarden.template.json
test -s cdk.out/member/SecretWardenMember.template.json
test "$(find cdk.out -path '*/asset.*/bootstrap' | wc -l)" -eq 4
test "$(find cdk.out -path '*/asset.*/policies/posture/cost_center_tag.rego' | wc -l)" -eq 4
test "$(find cdk.out -path '*/asset.*/policies/*_test.rego' | wc -l)" -eq 0
for region in us-east-1 us-west-2; do
  test -s "cdk.out/SecretWardenManagement-$region.template.json"
  compgen -G "cdk.out/AwsSolutions-*SecretWardenManagement-$region-NagReport.csv" >/dev/null
done
compgen -G "cdk.out/AwsSolutions-*SecretWarden-NagReport.csv" >/dev/null
compgen -G "cdk.out/member/AwsSolutions-*SecretWardenMember-NagReport.csv" >/dev/null
echo "cdk synth ok: SecretWarden (+ member stack set template), SecretWardenManagement-{us-east-1,us-west-2}, 4 handlers bundled with policies/, cdk-nag clean"
