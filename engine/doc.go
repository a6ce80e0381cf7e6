// Package engine is the home of stackmap's pipeline. It holds no code of
// its own; its subpackages are the stages, each of which imports only the
// ones below it:
//
//	mapping.yaml --config.Load--> *config.Mapping   strict YAML, positions, ${ENV}
//	             --mapping.Compile--> *mapping.Plan jq compiled once (expr), sources built (source/…)
//	Plan.Run(ctx):
//	    sources, in order             each binds $<name>: the records its documents yield
//	    rules, per record             components · relations · metrics · events · health (model.Parse)
//	    checks                        duplicate ids fail; dangling relations warn (model.Check)
//	    → *model.Batch, or nothing at all when anything failed
//	intake.Build(batch)               ordered envelopes of at most --chunk-size elements
//	intake.Sink.Send                  StackState (gzip), stdout or files
//
// cli wires the stages into the verbs validate, preview, run and schema;
// receiver is a local intake receiver for tests; schedule parses cron; spell
// suggests the key a typo meant. One load-and-compile path serves every verb.
package engine
