package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/livedict/livedict/config"
	"go.yaml.in/yaml/v3"
)

// configHeader starts every YAML file livedict writes.
const configHeader = "# LiveDict configuration, written by livedict. docs/configuration.md lists\n# every field; LIVEDICT_ environment variables override them.\n"

// marshalConfig encodes c as the file extension of path asks: JSON for
// .json, YAML for .yaml and .yml.
func marshalConfig(path string, c config.Config) ([]byte, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	case ".yaml", ".yml":
		var buf bytes.Buffer
		buf.WriteString(configHeader)
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(c); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, usageErr("%s: the configuration file must end in .yaml, .yml or .json", path)
}

// checkConfigPath fails early for a path whose format is unknown.
func checkConfigPath(path string) error {
	_, err := marshalConfig(path, config.Config{})
	return err
}

// errExists is matched by writeFileAtomic's error for an existing file
// it was not allowed to replace.
var errExists = errors.New("exists")

// saveConfig writes c to path atomically (a temporary file, fsync,
// rename, fsync of the directory): a crash leaves the old file or the new
// one, never a mix. Without replace, an existing file is an error
// matching errExists. The file keeps the mode of the one it replaces, or
// gets 0600: a backend URL may hold a password.
func saveConfig(path string, c config.Config, replace bool) error {
	data, err := marshalConfig(path, c)
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return writeFileAtomic(path, data, mode, replace)
}

// writeFileAtomic writes data to path through a temporary file in the
// same directory. Without replace it links the temporary file into
// place, which fails if path exists, so two writers cannot both win.
func writeFileAtomic(path string, data []byte, mode fs.FileMode, replace bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	} else {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s %w (use --force to replace it)", path, errExists)
			}
			return err
		}
		if err := os.Remove(tmp); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
