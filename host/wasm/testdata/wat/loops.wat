;; A hand-written guest for the interrupt tests: control flow the Go
;; toolchain never emits (loops with params and results, nested in each
;; other), recursion without any loop, and bulk memory in a loop. Input and
;; output are 4 little-endian bytes, moved with chatwasm's bulk imports.
;;
;; Rebuild with: go test ./host/wasm -run TestWatFixtures -update-wat
(module
  (import "extism:host/user" "chatwasm_input_read" (func $input_read (param i32 i32)))
  (import "extism:host/user" "chatwasm_output_write" (func $output_write (param i32 i32)))
  (memory (export "memory") 2)
  (type $acc (func (param i32) (result i32)))

  ;; $arg is the input as an i32.
  (func $arg (result i32)
    (call $input_read (i32.const 0) (i32.const 4))
    (i32.load (i32.const 0)))

  ;; $ret makes v the output.
  (func $ret (param $v i32)
    (i32.store (i32.const 0) (local.get $v))
    (call $output_write (i32.const 0) (i32.const 4)))

  ;; nested folds acc = acc*31 + (i^j) over 0 <= j < i < n, the
  ;; accumulator travelling through loop and block params and results.
  (func (export "nested") (result i32)
    (local $n i32) (local $i i32) (local $j i32)
    (local.set $n (call $arg))
    (i32.const 7)
    (loop $outer (param i32) (result i32)
      (local.set $j (i32.const 0))
      (block $done (type $acc)
        (loop $inner (type $acc)
          (br_if $done (i32.ge_u (local.get $j) (local.get $i)))
          (i32.mul (i32.const 31))
          (if (type $acc) (i32.and (local.get $j) (i32.const 1))
            (then (i32.add (i32.xor (local.get $i) (local.get $j))))
            (else (i32.sub (i32.xor (local.get $i) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $inner)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (call $ret)
    (i32.const 0))

  ;; switch counts down n through a br_table inside a loop.
  (func (export "switch") (result i32)
    (local $n i32) (local $acc i32)
    (local.set $n (call $arg))
    (block $out
      (loop $l
        (block $b2
          (block $b1
            (block $b0
              (br_table $b0 $b1 $b2 $out (i32.rem_u (local.get $n) (i32.const 4))))
            (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 10))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
        (br_if $out (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (call $ret (i32.add (local.get $acc) (local.get $n)))
    (i32.const 0))

  ;; $fib recurses without a loop.
  (func $fib (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))

  (func (export "fib") (result i32)
    (call $ret (i32.wrap_i64 (call $fib (i64.extend_i32_u (call $arg)))))
    (i32.const 0))

  ;; spin never ends.
  (func (export "spin") (result i32)
    (loop $l (br $l))
    (i32.const 0))

  ;; fill never ends either, filling 64 KiB per iteration.
  (func (export "fill") (result i32)
    (loop $l
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536))
      (br $l))
    (i32.const 0))
)
