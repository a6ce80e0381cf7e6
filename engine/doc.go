// Package engine is the home of stackmap's pipeline. It holds no code of
// its own; its subpackages are the stages, each of which imports only the
// ones below it:
//
//	mapping.yaml --config.Load--> *config.Mapping   strict YAML, positions, ${ENV}
//	             --mapping.Compile--> *mapping.Plan jq compiled once (expr), sources built (source/…)
//	Plan.Run(ctx):
//	    sources, in order             each binds $<name>: the records its documents yield,
//	                                  kept as JSON text where a plain path splits them
//	    rules, per record, all cores  components · relations · metrics · events · health
//	                                  (decode → when → jq, fast lane or gojq → model.Parse),
//	                                  taken in record order
//	    checks                        duplicate ids fail; dangling relations warn (model.Checker)
//	    → *model.Batch, or nothing at all when anything failed
//	intake.Assembler                  run: topology streamed in, encoded; envelopes of at most
//	                                  --chunk-size elements (intake.Build: preview)
//	intake.Delivery                   StackState (gzip), stdout or files; Commit or Abort
//
// cli wires the stages into the verbs validate, preview, run and schema;
// receiver is a local intake receiver for tests; schedule parses cron; spell
// suggests the key a typo meant. One load-and-compile path serves every verb.
package engine
