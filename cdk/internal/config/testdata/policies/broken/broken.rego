package posture.org_broken

# A syntax error on line 5: "=== " is no Rego operator.
deny contains "x" if {
	input.secret.Name === "x"
}
