;; A valid guest the interrupt rewriter refuses: it already exports the
;; name the rewriter reserves for its flag. It must run with wazero's own
;; termination checks instead.
;;
;; Rebuild with: go test ./host/wasm -run TestWatFixtures -update-wat
(module
  (memory (export "memory") 1)
  (func (export "chatwasm:interrupt") (result i32) (i32.const 0))
  (func (export "spin") (result i32)
    (loop $l (br $l))
    (i32.const 0))
)
