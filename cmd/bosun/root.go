package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/bosun-dev/bosun/internal/version"
)

func newRootCommand() *cobra.Command {
	var verbose bool
	root := &cobra.Command{
		Use:           "bosun",
		Short:         "Bosun: Kubernetes and Cluster API in one binary",
		SilenceUsage:  true,
		SilenceErrors: false,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
		},
	}
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	root.AddCommand(newServerCommand(), newAgentCommand(), newImagesCommand(), newSimCommand(), newClusterCommand(), newTokenCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the Bosun and Kubernetes API versions",
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Printf("bosun %s (commit %s, built %s)\nKubernetes API %s, %s, %s\n",
				version.Bosun, version.Commit, version.BuildDate, version.KubernetesVersion, version.GoVersion(), version.Platform())
		},
	})
	return root
}
