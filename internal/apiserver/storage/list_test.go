package storage

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// fill creates n ConfigMaps cm-000… in ns, every third labelled tier=db, and
// returns the revision after the last.
func fillConfigMaps(t *testing.T, s *Store, ns string, n int) int64 {
	t.Helper()
	var rev int64
	for i := range n {
		lbls := map[string]string{"tier": "web"}
		if i%3 == 0 {
			lbls["tier"] = "db"
		}
		name := fmt.Sprintf("cm-%03d", i)
		obj, err := s.Create(t.Context(), cmKey(ns, name), configMap(ns, name, lbls, nil))
		if err != nil {
			t.Fatal(err)
		}
		rev = mustInt(t, rvOf(t, obj))
	}
	return rev
}

func tierIs(v string) Predicate {
	return func(obj runtime.Object) bool { return obj.(*corev1.ConfigMap).Labels["tier"] == v }
}

func TestListPaging(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	fillConfigMaps(t, s, "a", 25)
	fillConfigMaps(t, s, "b", 3) // another namespace must not leak in

	tests := []struct {
		name      string
		prefix    string
		limit     int64
		pred      Predicate
		want      int
		pages     int
		remaining []int64 // RemainingItemCount per page but the last; nil: unset
	}{
		{"all at once", Prefix("", "configmaps", "a"), 0, nil, 25, 1, nil},
		{"pages of 10", Prefix("", "configmaps", "a"), 10, nil, 25, 3, []int64{15, 5}},
		{"exact pages", Prefix("", "configmaps", "a"), 5, nil, 25, 5, []int64{20, 15, 10, 5}},
		{"all namespaces", Prefix("", "configmaps", ""), 20, nil, 28, 2, []int64{8}},
		{"filtered", Prefix("", "configmaps", "a"), 4, tierIs("db"), 9, 3, nil},
		{"filtered, no matches", Prefix("", "configmaps", "a"), 4, tierIs("none"), 0, 1, nil},
	}
	for _, fromEtcd := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/etcd=%v", tt.name, fromEtcd), func(t *testing.T) {
				var got []string
				opts := ListOptions{Limit: tt.limit, Predicate: tt.pred}
				var rev int64
				for page := 1; ; page++ {
					if fromEtcd {
						s.snapshots = snapshots{} // later pages come from etcd
					}
					res, err := s.List(t.Context(), tt.prefix, opts)
					if err != nil {
						t.Fatal(err)
					}
					if page == 1 {
						rev = res.Revision
					} else if res.Revision != rev {
						t.Fatalf("page %d at revision %d, first page at %d", page, res.Revision, rev)
					}
					if tt.limit > 0 && int64(len(res.Items)) > tt.limit {
						t.Fatalf("page %d has %d items, limit %d", page, len(res.Items), tt.limit)
					}
					got = append(got, names(res.Items)...)
					if res.Continue == "" {
						if page != tt.pages {
							t.Fatalf("%d pages, want %d", page, tt.pages)
						}
						break
					}
					if tt.remaining != nil {
						if res.RemainingItemCount == nil || *res.RemainingItemCount != tt.remaining[page-1] {
							t.Fatalf("page %d: RemainingItemCount %v, want %d", page, res.RemainingItemCount, tt.remaining[page-1])
						}
					}
					opts.Continue = res.Continue
				}
				if len(got) != tt.want || !slices.IsSorted(got) && tt.prefix != Prefix("", "configmaps", "") {
					t.Fatalf("listed %d %v, want %d sorted", len(got), got, tt.want)
				}
			})
		}
	}
}

// A continued list shows the state of its first page even if objects change.
func TestListContinueSeesFirstPageRevision(t *testing.T) {
	for _, fromEtcd := range []bool{false, true} {
		t.Run(fmt.Sprintf("etcd=%v", fromEtcd), func(t *testing.T) {
			s, _ := newTestStore(t, Options{})
			ctx := t.Context()
			fillConfigMaps(t, s, "a", 6)
			prefix := Prefix("", "configmaps", "a")
			first, err := s.List(ctx, prefix, ListOptions{Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Delete(ctx, cmKey("a", "cm-004"), nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, cmKey("a", "cm-999"), configMap("a", "cm-999", nil, nil)); err != nil {
				t.Fatal(err)
			}
			if fromEtcd {
				s.snapshots = snapshots{}
			}
			next, err := s.List(ctx, prefix, ListOptions{Limit: 10, Continue: first.Continue})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := names(next.Items), []string{"cm-003", "cm-004", "cm-005"}; !slices.Equal(got, want) {
				t.Fatalf("second page %v, want %v", got, want)
			}
		})
	}
}

func TestListBadContinue(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	for _, token := range []string{"!!!", "e30", encodeContinue(0, "x"), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6ImJhZCJ9"} {
		if _, err := s.List(t.Context(), Prefix("", "configmaps", ""), ListOptions{Continue: token}); !errors.Is(err, ErrBadVersion) {
			t.Errorf("continue %q: %v, want ErrBadVersion", token, err)
		}
	}
	if _, err := s.List(t.Context(), Prefix("", "configmaps", ""), ListOptions{ResourceVersion: "x"}); !errors.Is(err, ErrBadVersion) {
		t.Errorf("resourceVersion x: %v, want ErrBadVersion", err)
	}
}

// A default list is consistent: it sees every write that finished before it.
func TestListReadsYourWrites(t *testing.T) {
	s, c := newTestStore(t, Options{})
	ctx := t.Context()
	prefix := Prefix("", "configmaps", "a")
	for i := range 50 {
		name := fmt.Sprintf("cm-%03d", i)
		obj, err := s.Create(ctx, cmKey("a", name), configMap("a", name, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.List(ctx, prefix, ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != i+1 || res.Revision < mustInt(t, rvOf(t, obj)) {
			t.Fatalf("after create %d: list has %d items at revision %d", i, len(res.Items), res.Revision)
		}
		n, err := s.Count(ctx, prefix)
		if err != nil || n != int64(i+1) {
			t.Fatalf("count = %d, %v; want %d", n, err, i+1)
		}
	}
	// A write outside Root moves etcd's revision but sends the cache no
	// event: the list must still return promptly (through progress notify).
	if _, err := c.Put(ctx, "/elsewhere", "x"); err != nil {
		t.Fatal(err)
	}
	res, err := s.List(ctx, prefix, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := s.currentRevision(ctx)
	if res.Revision != cur || s.Revision() != cur {
		t.Fatalf("list at revision %d, cache at %d, etcd at %d", res.Revision, s.Revision(), cur)
	}
}

func TestListResourceVersions(t *testing.T) {
	s, c := newTestStore(t, Options{FreshTimeout: 300 * time.Millisecond})
	ctx := t.Context()
	prefix := Prefix("", "configmaps", "a")
	rev := fillConfigMaps(t, s, "a", 3)
	if _, err := s.Delete(ctx, cmKey("a", "cm-001"), nil); err != nil {
		t.Fatal(err)
	}
	// "0" serves whatever the cache has; let it catch up first.
	if _, err := s.List(ctx, prefix, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	cur, _ := s.currentRevision(ctx)

	tests := []struct {
		name  string
		rv    string
		match metav1.ResourceVersionMatch
		want  []string
		err   error
	}{
		{"any", "0", "", []string{"cm-000", "cm-002"}, nil},
		{"not older than", strconv.FormatInt(rev, 10), metav1.ResourceVersionMatchNotOlderThan, []string{"cm-000", "cm-002"}, nil},
		{"exact, before the delete", strconv.FormatInt(rev, 10), metav1.ResourceVersionMatchExact, []string{"cm-000", "cm-001", "cm-002"}, nil},
		{"exact 0", "0", metav1.ResourceVersionMatchExact, nil, ErrBadVersion},
		{"unknown match", "1", "Newest", nil, ErrBadVersion},
		{"in the future", strconv.FormatInt(cur+100, 10), "", nil, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.List(ctx, prefix, ListOptions{ResourceVersion: tt.rv, ResourceVersionMatch: string(tt.match)})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && !slices.Equal(names(res.Items), tt.want) {
				t.Fatalf("items %v, want %v", names(res.Items), tt.want)
			}
		})
	}

	page, err := s.List(ctx, prefix, ListOptions{Limit: 1})
	if err != nil || page.Continue == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	create(t, s, "a", "newer", nil)

	// After compaction the old revision is gone.
	cur, _ = s.currentRevision(ctx)
	if _, err := c.Compact(ctx, cur); err != nil {
		t.Fatal(err)
	}
	s.snapshots = snapshots{}
	if _, err := s.List(ctx, prefix, ListOptions{Continue: page.Continue}); !errors.Is(err, ErrGone) {
		t.Fatalf("continue at a compacted revision: %v, want ErrGone", err)
	}
	_, err = s.List(ctx, prefix, ListOptions{ResourceVersion: strconv.FormatInt(rev, 10), ResourceVersionMatch: "Exact"})
	if !errors.Is(err, ErrGone) {
		t.Fatalf("exact list at a compacted revision: %v, want ErrGone", err)
	}
}
