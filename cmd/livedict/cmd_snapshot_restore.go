package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/livedict/livedict/snapshot"
	snapblob "github.com/livedict/livedict/snapshot/blob"
)

var restoreCommand = &command{
	name:    "restore",
	args:    "[flags] SOURCE",
	summary: "restore a snapshot written by livedict snapshot",
	help: `Reads a snapshot (written by livedict snapshot or snapshot.Write) from
SOURCE (a file, - for stdin, or an object URL as snapshot takes) and writes
its entries to the configured store, replacing entries with the same bucket
and key; others are left alone. --bucket (repeatable) restores those
buckets only.

Nothing is written unless the whole snapshot authenticates: every frame is
checked and every record opened and decoded first, so a snapshot that was
cut short, reordered, altered or sealed with other keys changes nothing.
The store must have the writer's name, name key and keys (a keyring that
still holds the key the snapshot was sealed with). Entries keep their
expiry; those that expired meanwhile are skipped. Every bucket restored
must be persisted by the configuration. --check does all the checks and
writes nothing.

Examples:
  livedict restore --check /var/backups/app.snap
  livedict restore s3://backups/livedict/sessions.snap?region=eu-west-1`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		check := fs.Bool("check", false, "read and verify the whole snapshot, write nothing")
		plaintext := fs.Bool("plaintext", false, "accept a plaintext snapshot (into a plaintext store)")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args, "SOURCE"); err != nil {
				return err
			}
			s, err := e.open(ctx, openOptions{values: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			opts, err := s.snapshotOptions(*plaintext)
			if err != nil {
				return err
			}
			if len(e.g.buckets) > 0 {
				opts.Buckets = e.g.buckets
			}
			opts.DryRun = *check
			opts.OnHeader = func(h snapshot.Header) error {
				var unpersisted []string
				for _, b := range h.Buckets {
					if (opts.Buckets == nil || contains(opts.Buckets, b)) && !persisted(s.cfg, b) {
						unpersisted = append(unpersisted, showBucket(b))
					}
				}
				if len(unpersisted) > 0 && !*check {
					return fmt.Errorf("the snapshot holds bucket(s) %s, which the configuration does not persist; restore the others with --bucket", strings.Join(unpersisted, ", "))
				}
				return nil
			}
			rp := &restoreProgress{e: e, read: e.newProgress("verified", -1)}
			opts.Progress = rp.report
			st, err := e.restoreFrom(ctx, args[0], s, opts)
			if err != nil {
				rp.stop()
				return snapshotErr(err)
			}
			rp.finish()
			verb := "restored"
			if *check {
				verb = "checked, nothing written:"
				st.Restored = st.Records - st.Skipped - st.Expired
			}
			_, err = fmt.Fprintf(e.stdout, "%s %d records of %d buckets (%d expired, %d in other buckets, skipped); snapshot written %s\n",
				verb, st.Restored, st.Buckets, st.Expired, st.Skipped, st.Created.UTC().Format(time.RFC3339))
			return err
		}
	},
}

// restoreFrom restores the snapshot at src into the session's store.
func (e *env) restoreFrom(ctx context.Context, src string, s *session, opts snapshot.Options[string, any]) (snapshot.Stats, error) {
	if isURL(src) {
		return snapblob.RestoreURL(ctx, src, s.store, opts)
	}
	r, err := e.openSnapshot(src)
	if err != nil {
		return snapshot.Stats{}, err
	}
	defer r.Close()
	return snapshot.Restore(ctx, r, s.store, opts)
}

// restoreProgress shows the two phases of a restore: records verified,
// then records set in the store.
type restoreProgress struct {
	e           *env
	read, apply progress
}

func (p *restoreProgress) report(st snapshot.Stats) {
	if p.apply == nil && st.Restored == 0 {
		p.read.set(st.Records)
		return
	}
	if p.apply == nil {
		p.read.finish()
		p.apply = p.e.newProgress("restored", st.Records-st.Skipped)
	}
	p.apply.set(st.Restored)
}

func (p *restoreProgress) finish() {
	if p.apply == nil {
		p.read.finish()
		return
	}
	p.apply.finish()
}

func (p *restoreProgress) stop() {
	if p.apply == nil {
		p.read.stop()
		return
	}
	p.apply.stop()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
