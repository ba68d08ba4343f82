package posture.org_cost_center_tag_test

import data.posture.org_cost_center_tag

test_missing if {
	org_cost_center_tag.deny == {"the cost-center tag is missing"} with input as {"secret": {"Tags": []}}
}

test_present if {
	count(org_cost_center_tag.deny) == 0 with input as {"secret": {"Tags": [{"Key": "cost-center", "Value": "CC-1"}]}}
}
