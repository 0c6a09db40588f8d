package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/livedict/livedict/config"
)

// retireKey removes key id from the configuration file, after checking by
// scanning the backend that no record is sealed under it.
func (e *env) retireKey(ctx context.Context, id uint32) (err error) {
	fc, err := e.loadFileConfig()
	if err != nil {
		return err
	}
	if fc.Persist == nil || fc.Persist.Encryption.Plaintext {
		return configErr(fmt.Errorf("%s does not encrypt: there is no key to retire", e.g.config))
	}
	enc := &fc.Persist.Encryption
	i := slices.IndexFunc(enc.Keys, func(k config.KeyRef) bool { return k.ID == id })
	if i < 0 {
		return usageErr("the keyring has no key id %d", id)
	}
	primary := primaryOf(*enc)
	if id == primary {
		return fmt.Errorf("key id %d is the primary key: add a new key with rotate-key --new-key-file first", id)
	}
	c, raw, err := e.openRaw(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := raw.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	left := 0
	var where []string
	buckets, err := e.allBuckets(ctx, c, raw)
	if err != nil {
		return err
	}
	for _, b := range buckets {
		n, err := countSeals(ctx, raw, b)
		if err != nil {
			return err
		}
		if m := n.byID[id]; m > 0 {
			left += m
			where = append(where, fmt.Sprintf("%s: %d", showBucket(b), m))
		}
	}
	if left > 0 {
		return fmt.Errorf("%d records are still sealed under key id %d (%s); run rotate-key --resume first", left, id, strings.Join(where, ", "))
	}
	retired := enc.Keys[i]
	enc.Keys = slices.Delete(enc.Keys, i, i+1)
	enc.Primary = primary
	if _, err := e.effective(fc); err != nil {
		return err
	}
	if err := saveConfig(e.g.config, fc, true); err != nil {
		return fmt.Errorf("save %s: %w", e.g.config, err)
	}
	fmt.Fprintf(e.stdout, "retired key id %d and saved %s\n", id, e.g.config)
	if retired.File != "" {
		fmt.Fprintf(e.stdout, "its key file %s is no longer read by this configuration: delete it once no backup or other configuration needs it\n", retired.File)
	}
	return nil
}
