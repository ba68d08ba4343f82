package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/snapshot"
)

type snapshotOpts struct {
	live liveFlags
	out  string
}

func newSnapshot(stdio IO) *cobra.Command {
	o := &snapshotOpts{}
	cmd := &cobra.Command{
		Use:   "snapshot --out PATH",
		Short: "Write the live state of AWS in the snapshot format",
		Long: `Read live AWS (as 'warden scan' without --snapshot does: the default
credential chain, every active account of the organization or the accounts
--accounts names, every region of --regions) and write it as a warden.snapshot/v1
document: the organization, its accounts, every secret (DescribeSecret and
its resource policy; never a secret value), the KMS keys the secrets
reference and their aliases. "--out -" writes to standard output.

What could not be read is kept in the snapshot with its Error (scan and
replay report it as error findings), listed on stderr, and makes the exit
code 2 once the snapshot is written.`,
		Example: `  warden snapshot --out org.json
  AWS_PROFILE=audit warden snapshot --regions us-east-1,eu-west-1 --out - | jq '.secrets | length'
  warden scan --snapshot org.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd, stdio)
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", `file to write, or "-" for standard output (required)`)
	o.live.register(cmd)
	return cmd
}

func (o *snapshotOpts) run(ctx context.Context, cmd *cobra.Command, stdio IO) error {
	if o.out == "" {
		return badInput(fmt.Errorf("--out is required (a file, or - for standard output)"))
	}
	if err := o.live.check(cmd, false); err != nil {
		return err
	}
	snap, u, err := liveSnapshot(ctx, &o.live, stdio)
	if err != nil {
		return err
	}
	if err := writeSnapshot(snap, o.out, stdio); err != nil {
		return err
	}
	if o.out != "-" {
		fmt.Fprintf(stdio.Err, "warden: wrote %d secret(s) of %d account(s) to %s\n", len(snap.Secrets), len(snap.Accounts), o.out)
	}
	return u.report(stdio.Err)
}

// liveSnapshot reads live AWS into a snapshot, with progress on stderr.
func liveSnapshot(ctx context.Context, f *liveFlags, stdio IO) (*snapshot.Snapshot, *unreadable, error) {
	prog := newProgress(stdio.Err)
	defer prog.clear()
	inv, err := openLive(ctx, f, newLogger(prog), prog.regions)
	if err != nil {
		return nil, nil, err
	}
	snap, err := awsinv.Snapshot(ctx, inv, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("read live AWS: %w", err)
	}
	u := &unreadable{}
	for i := range snap.Secrets {
		u.add(&snap.Secrets[i])
	}
	return snap, u, nil
}

// writeSnapshot writes indented JSON to path ("-" = stdout), through a
// temporary file so that a failed write leaves no partial snapshot.
func writeSnapshot(snap *snapshot.Snapshot, path string, stdio IO) error {
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	b = append(b, '\n')
	if path == "-" {
		if _, err := stdio.Out.Write(b); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".warden-snapshot-*")
	if err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	return nil
}
