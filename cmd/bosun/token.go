package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/pki"
)

// defaultAdminKubeconfig is the admin kubeconfig of a server with the
// default --data-dir.
const defaultAdminKubeconfig = "/var/lib/bosun/admin.kubeconfig"

func newTokenCommand() *cobra.Command {
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and delete bootstrap tokens that let nodes join",
		Long: `Manage bootstrap tokens: Secrets bootstrap-token-<id> in kube-system, in
Kubernetes' format, that authenticate a joining node (bosun agent --token)
until it has its own certificate.`,
	}
	cmd.PersistentFlags().StringVar(&kubeconfig, "kubeconfig", "", "admin kubeconfig (default: $KUBECONFIG, else "+defaultAdminKubeconfig+")")
	client := func() (*rest.Config, kubernetes.Interface, error) {
		path := kubeconfig
		if path == "" {
			path = os.Getenv("KUBECONFIG")
		}
		if path == "" {
			path = defaultAdminKubeconfig
		}
		rc, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			return nil, nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
		}
		c, err := kubernetes.NewForConfig(rc)
		return rc, c, err
	}
	cmd.AddCommand(newTokenCreateCommand(client), newTokenListCommand(client), newTokenDeleteCommand(client))
	return cmd
}

type tokenClient func() (*rest.Config, kubernetes.Interface, error)

func newTokenCreateCommand(client tokenClient) *cobra.Command {
	var ttl time.Duration
	var description string
	var printJoin bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a bootstrap token and print it (or the bosun agent command that joins with it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rc, c, err := client()
			if err != nil {
				return err
			}
			token, err := auth.GenerateBootstrapToken()
			if err != nil {
				return err
			}
			opts := auth.BootstrapTokenOptions{Description: description}
			if ttl > 0 {
				opts.Expires = time.Now().Add(ttl)
			}
			s := auth.NewBootstrapTokenSecret(token, opts)
			if _, err := c.CoreV1().Secrets(s.Namespace).Create(cmd.Context(), s, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create bootstrap token: %w", err)
			}
			if !printJoin {
				fmt.Fprintln(cmd.OutOrStdout(), token)
				return nil
			}
			line, err := joinCommand(cmd.Context(), rc, c, token.String())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), line)
			return nil
		},
	}
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token works (0: forever)")
	cmd.Flags().StringVar(&description, "description", "", "human-readable note on what the token is for")
	cmd.Flags().BoolVar(&printJoin, "print-join-command", false, "print the full bosun agent command that joins a node, not just the token")
	return cmd
}

// joinCommand is the `bosun agent` line joining a node with token. The
// server is the kubeconfig's, unless that is loopback (the admin kubeconfig
// the server writes), which no other node can reach: then it is the
// advertised address in cluster-info.
func joinCommand(ctx context.Context, rc *rest.Config, c kubernetes.Interface, token string) (string, error) {
	caPEM := rc.CAData
	if len(caPEM) == 0 && rc.CAFile != "" {
		var err error
		if caPEM, err = os.ReadFile(rc.CAFile); err != nil {
			return "", fmt.Errorf("read cluster CA: %w", err)
		}
	}
	ca, err := pki.ParseCert(caPEM)
	if err != nil {
		return "", fmt.Errorf("cluster CA of the kubeconfig: %w", err)
	}
	server := rc.Host
	if isLoopbackURL(server) {
		cm, err := c.CoreV1().ConfigMaps(pki.ClusterInfoNamespace).Get(ctx, pki.ClusterInfoName, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("read cluster-info for the server address: %w", err)
		}
		if server, _, err = pki.ParseClusterInfo([]byte(cm.Data[pki.ClusterInfoKey])); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("bosun agent --server %s --token %s --ca-cert-hash %s", server, token, pki.PublicKeyPin(ca)), nil
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func newTokenListCommand(client tokenClient) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List bootstrap tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, err := client()
			if err != nil {
				return err
			}
			list, err := c.CoreV1().Secrets(auth.BootstrapTokenNamespace).List(cmd.Context(), metav1.ListOptions{
				FieldSelector: fields.OneTermEqualSelector("type", string(auth.BootstrapTokenSecretType)).String(),
			})
			if err != nil {
				return fmt.Errorf("list bootstrap tokens: %w", err)
			}
			var infos []auth.BootstrapTokenInfo
			for i := range list.Items {
				info, err := auth.ParseBootstrapTokenSecret(&list.Items[i])
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "skipping %s: %v\n", list.Items[i].Name, err)
					continue
				}
				infos = append(infos, info)
			}
			return writeTokenTable(cmd.OutOrStdout(), infos, time.Now())
		},
	}
}

// writeTokenTable prints tokens in kubeadm's `token list` columns.
func writeTokenTable(out io.Writer, infos []auth.BootstrapTokenInfo, now time.Time) error {
	w := tabwriter.NewWriter(out, 10, 4, 3, ' ', 0)
	fmt.Fprintln(w, "TOKEN\tTTL\tEXPIRES\tUSAGES\tDESCRIPTION\tEXTRA GROUPS")
	slices.SortFunc(infos, func(a, b auth.BootstrapTokenInfo) int { return strings.Compare(a.Token.ID, b.Token.ID) })
	for _, in := range infos {
		ttl, expires := "<forever>", "<never>"
		if !in.Expires.IsZero() {
			expires = in.Expires.Format(time.RFC3339)
			ttl = "<invalid>"
			if left := in.Expires.Sub(now); left > 0 {
				ttl = duration.ShortHumanDuration(left)
			}
		}
		description := in.Description
		if description == "" {
			description = "<none>"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", in.Token, ttl, expires, strings.Join(in.Usages, ","), description, strings.Join(in.ExtraGroups, ","))
	}
	return w.Flush()
}

func newTokenDeleteCommand(client tokenClient) *cobra.Command {
	return &cobra.Command{
		Use:   "delete TOKEN-ID|TOKEN...",
		Short: "Delete bootstrap tokens, by ID (abcdef) or whole token (abcdef.0123456789abcdef)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, err := client()
			if err != nil {
				return err
			}
			for _, a := range args {
				id := a
				if t, err := auth.ParseBootstrapToken(a); err == nil {
					id = t.ID
				} else if !auth.IsBootstrapTokenID(a) {
					return fmt.Errorf("%q is neither a token ID ([a-z0-9]{6}) nor a token", a)
				}
				name := auth.BootstrapTokenSecretPrefix + id
				if err := c.CoreV1().Secrets(auth.BootstrapTokenNamespace).Delete(cmd.Context(), name, metav1.DeleteOptions{}); err != nil {
					return fmt.Errorf("delete bootstrap token %s: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "bootstrap token %q deleted\n", id)
			}
			return nil
		},
	}
}
