#!/usr/bin/env bash
# Refreshes the cloud assemblies kept as test data for warden scan --template
# (testdata/templates): this repository's own `cdk synth` (cdk-repo.out: its
# manifests and templates, not the bundled handler binaries) and the sample
# CDK app with secrets of pkg/cdkguard (cdk-app.out). Then re-run the golden
# test: go test ./internal/cli -run TestTemplateGolden (-update after review).
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/cdk-synth.sh
rm -rf testdata/templates/cdk-repo.out
(cd cdk.out && find . \( -name manifest.json -o -name '*.template.json' \) -not -path '*/asset.*' -print0) |
  while IFS= read -r -d '' f; do
    mkdir -p "testdata/templates/cdk-repo.out/$(dirname "$f")"
    cp "cdk.out/$f" "testdata/templates/cdk-repo.out/$f"
  done

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
go test ./pkg/cdkguard -run TestSampleAssembly -count=1 -update
find testdata/templates/cdk-repo.out testdata/templates/cdk-app.out -type f | sort
