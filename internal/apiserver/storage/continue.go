package storage

import (
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"

	"github.com/google/btree"
)

// continueToken is the decoded form of a list continue token, the same shape
// Kubernetes uses: the list's revision and the key (below the list's prefix)
// where the next page starts.
type continueToken struct {
	APIVersion string `json:"v"`
	Revision   int64  `json:"rv"`
	Start      string `json:"start"`
}

const continueVersion = "meta.k8s.io/v1"

func encodeContinue(rev int64, start string) string {
	data, _ := json.Marshal(continueToken{APIVersion: continueVersion, Revision: rev, Start: start})
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeContinue(token string) (rev int64, start string, err error) {
	bad := &statusError{"continue key is not valid", ErrBadVersion}
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", bad
	}
	var t continueToken
	if err := json.Unmarshal(data, &t); err != nil || t.APIVersion != continueVersion || t.Revision <= 0 {
		return 0, "", bad
	}
	return t.Revision, t.Start, nil
}

// snapshotTTL is how long a paged list's snapshot stays after its last use;
// later pages are read from etcd at the list's revision instead.
const (
	snapshotTTL  = time.Minute
	maxSnapshots = 16
)

// snapshots keeps clones of the cache tree, by revision, for paged lists:
// the next page then comes from memory at the same revision.
type snapshots struct {
	mu    sync.Mutex
	byRev map[int64]*snapshot
}

type snapshot struct {
	tree *btree.BTreeG[*entry]
	used time.Time
}

func (ss *snapshots) get(rev int64) *btree.BTreeG[*entry] {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sn := ss.byRev[rev]
	if sn == nil {
		return nil
	}
	if time.Since(sn.used) > snapshotTTL {
		delete(ss.byRev, rev)
		return nil
	}
	sn.used = time.Now()
	return sn.tree
}

func (ss *snapshots) put(rev int64, tree *btree.BTreeG[*entry]) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byRev == nil {
		ss.byRev = map[int64]*snapshot{}
	}
	now := time.Now()
	if sn := ss.byRev[rev]; sn != nil {
		sn.used = now
		return
	}
	var oldest int64
	for r, sn := range ss.byRev {
		if now.Sub(sn.used) > snapshotTTL {
			delete(ss.byRev, r)
		} else if oldest == 0 || sn.used.Before(ss.byRev[oldest].used) {
			oldest = r
		}
	}
	if len(ss.byRev) >= maxSnapshots {
		delete(ss.byRev, oldest)
	}
	ss.byRev[rev] = &snapshot{tree: tree, used: now}
}
