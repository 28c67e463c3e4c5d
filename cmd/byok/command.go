package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
)

// Every command that does something has one shape: its options (a struct
// its flags and arguments fill, or the one argument when that is all it
// takes), newXxxCmd(f) that declares it, and runXxx(ctx, f, opts) that does
// the work. The constructors here state once the declarations that several
// commands share, so that a command of one of these kinds is declared by
// its words and its run function alone.

// runFunc does a command's work with its options.
type runFunc[O any] func(ctx context.Context, f *Factory, o O) error

// newOutputCmd declares a command without arguments whose only options are
// the output flags: --json, and --csv when withCSV.
func newOutputCmd(f *Factory, use, short string, withCSV bool, run runFunc[outputOptions]) *cobra.Command {
	var o outputOptions
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE:  runWith(f, &o, run),
	}
	o.addFlags(cmd, withCSV)
	return cmd
}

// newArgCmd declares a command without flags of its own whose one option
// is its one argument, such as the SCOPE of `budget rm SCOPE`.
func newArgCmd(f *Factory, use, short string, run runFunc[string]) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), f, args[0]) },
	}
}

// runWith is the RunE of a command whose arguments, if it takes any, are
// strings among its options: each argument given is read, in order, into
// the field into names, and run then does the work with the options its
// flags and arguments filled. The command's Args allows no more arguments
// than into names.
func runWith[O any](f *Factory, o *O, run runFunc[O], into ...*string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		for i, arg := range args {
			*into[i] = arg
		}
		return run(cmd.Context(), f, *o)
	}
}

// ask opens the app with open, f.App for a command that writes and
// f.ReaderApp for one that only reads, and asks it q: how a command that
// prints one thing the app knows begins.
func ask[T any](ctx context.Context, open func(context.Context) (*app.App, error), q func(*app.App, context.Context) (T, error)) (*app.App, T, error) {
	a, err := open(ctx)
	if err != nil {
		var none T
		return nil, none, err
	}
	v, err := q(a, ctx)
	return a, v, err
}
