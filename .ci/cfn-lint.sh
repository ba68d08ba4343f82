#!/usr/bin/env bash
# Lint every template `cdk synth` wrote (run .ci/cdk-synth.sh first) with
# cfn-lint: the central stack, the member stack set template and the
# management-account stacks. cfn-lint knows CloudFormation's schemas (every
# property's allowed values, e.g. the three AWS::Events::Rule states) and
# its own checks. Errors and warnings fail; there are none to ignore (the
# one CDK produced, W3005 on each function's DependsOn, is fixed in
# cdk/constructs/handlerfunc). Informational findings (exit bit 8) pass.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null; then
  echo "cfn-lint not found: pip install cfn-lint==1.51.0" >&2
  exit 1
fi
mapfile -t templates < <(find cdk.out -name '*.template.json' -not -path '*/asset.*' | sort)
# central, member, and one management stack per covered region (at least one)
if [ "${#templates[@]}" -lt 3 ] || ! printf '%s\n' "${templates[@]}" | grep -q '/member/SecretWardenMember.template.json' ||
   ! printf '%s\n' "${templates[@]}" | grep -q '/SecretWardenManagement-'; then
  echo "cfn-lint: expected the central, member and management templates in cdk.out, found: ${templates[*]:-none}" >&2
  exit 1
fi
echo "cfn-lint $(cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates:"
printf '  %s\n' "${templates[@]}"
rc=0
cfn-lint --format parseable "${templates[@]}" || rc=$?
if [ $(( rc & ~8 )) -ne 0 ]; then
  echo "cfn-lint: errors or warnings (exit $rc)" >&2
  exit 1
fi
echo "cfn-lint ok: 0 errors, 0 warnings"
