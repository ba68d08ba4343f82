// Package synth generates large, varied synthetic organization snapshots for
// benchmarks and load tests (every check passes and fails somewhere).
package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/secretwarden/warden/internal/snapshot"
)

// Generate returns a snapshot with n secrets spread over accounts and two
// regions, deterministic for a given seed.
func Generate(n int, seed uint64) *snapshot.Snapshot {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	s := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		TakenAt:       snapshot.NewTime(now),
		Organization:  snapshot.Organization{ID: "o-synthetic01", MasterAccountID: "100000000000"},
	}
	accounts := n/2000 + 3
	regions := []string{"us-east-1", "eu-west-1"}
	for i := range accounts {
		id := fmt.Sprintf("%012d", 200000000000+i)
		ou := "r-syn1/ou-prod"
		if i%3 == 0 {
			ou = "r-syn1/ou-dev"
		}
		s.Accounts = append(s.Accounts, snapshot.Account{ID: id, Name: fmt.Sprintf("acct-%d", i), Status: "ACTIVE", OuPath: ou})
		for _, reg := range regions {
			keyID := fmt.Sprintf("%08x-0000-4000-8000-%012d", i, 1)
			arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", reg, id, keyID)
			s.Keys = append(s.Keys, snapshot.Key{Arn: arn, KeyID: keyID, KeyManager: "CUSTOMER", KeyState: "Enabled"})
			s.Aliases = append(s.Aliases, snapshot.Alias{AliasName: "alias/app", AliasArn: fmt.Sprintf("arn:aws:kms:%s:%s:alias/app", reg, id), TargetKeyID: keyID})
		}
	}
	policies := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-synthetic01"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`,
	}
	// ago is a random instant days..days+1 days before now, to the second:
	// real timestamps carry a time of day (LastAccessedDate excepted: AWS
	// truncates it to the day).
	ago := func(days int) time.Time {
		return now.Add(-time.Duration(days)*24*time.Hour - time.Duration(r.IntN(86400))*time.Second)
	}
	for i := range n {
		a := s.Accounts[i%accounts]
		reg := regions[(i/accounts)%2]
		name := fmt.Sprintf("svc-%d/db-%d", i%97, i)
		sec := snapshot.Secret{
			ARN:              fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%06X", reg, a.ID, name, r.IntN(1<<24)),
			Name:             name,
			CreatedDate:      snapshot.NewTime(ago(100 + r.IntN(900))),
			LastChangedDate:  snapshot.NewTime(ago(r.IntN(200))),
			LastAccessedDate: snapshot.NewTime(now.Add(-time.Duration(r.IntN(200)) * 24 * time.Hour).Truncate(24 * time.Hour)),
			VersionIdsToStages: map[string][]string{
				fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012d", i, i): {"AWSCURRENT"},
			},
			Tags: []snapshot.Tag{{Key: "app", Value: fmt.Sprintf("svc-%d", i%97)}},
		}
		if r.IntN(4) > 0 {
			sec.Tags = append(sec.Tags, snapshot.Tag{Key: "owner", Value: "team-" + fmt.Sprint(i%13)})
		}
		switch r.IntN(3) {
		case 0:
		case 1:
			sec.KmsKeyID = "alias/app"
		default:
			sec.KmsKeyID = fmt.Sprintf("arn:aws:kms:%s:%s:key/%08x-0000-4000-8000-%012d", reg, a.ID, i%accounts, 1)
		}
		if r.IntN(3) > 0 {
			d := int64(30 + r.IntN(3)*60)
			sec.RotationEnabled = true
			sec.RotationLambdaARN = fmt.Sprintf("arn:aws:lambda:%s:%s:function:rotate", reg, a.ID)
			sec.RotationRules = &snapshot.RotationRules{AutomaticallyAfterDays: &d}
			last := ago(r.IntN(150))
			sec.LastRotatedDate = snapshot.NewTime(last)
			sec.NextRotationDate = snapshot.NewTime(last.Add(time.Duration(d) * 24 * time.Hour))
		}
		if reg == "us-east-1" && r.IntN(5) == 0 {
			sec.PrimaryRegion = reg
			sec.ReplicationStatus = []snapshot.ReplicationStatus{{Region: "eu-west-1", KmsKeyID: "alias/app", Status: "InSync"}}
		}
		e := snapshot.SecretEntry{AccountID: a.ID, Region: reg, Secret: sec}
		if k := r.IntN(8); k < len(policies) {
			p := policies[k]
			if k == 0 {
				p = fmt.Sprintf(p, a.ID)
			}
			e.ResourcePolicy = &p
		}
		s.Secrets = append(s.Secrets, e)
	}
	return s
}
