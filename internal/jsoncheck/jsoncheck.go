// Package jsoncheck holds a guest SDK's JSON reader to what encoding/json
// reads, through the SDK's test module: the C, Rust and AssemblyScript SDKs
// each build one whose "probe" export reads a document at a list of paths
// with the SDK's reader. The contract of probe:
//
//	input  {"doc": <any JSON>, "paths": ["", "a", "a.b.0", ...]}
//	output for each path {"type": n, "raw": "<the value's JSON>" | null,
//	       "text": "<the decoded string>" | null, "int": n | null}
//
// A path is member names and array indices joined by dots ("" is the
// document); type numbers the kinds as the C SDK's cw_json_type does
// (0 absent, then null, bool, number, string, array, object); raw may be
// the value's text as sent or written out again; int is set only for a
// number without fraction or exponent that fits in an int64. A reader may
// refuse input it cannot read with an error, never with a trap.
package jsoncheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// Doc is a document with every kind of value, escapes, surrogates, integers
// at and past the int64 bounds and nesting; DocPaths are paths into it,
// some absent.
const Doc = ` { "a" : {"b": [10, -3, {"c": "x\"y\\z\/\b\f\n\r\t"}], "d": null, "e": true, "f": false},
  "uni": "caf\u00e9 \ud83d\ude00 \ud800 日本", "esc\"key": "k", "big": 9223372036854775807,
  "small": -9223372036854775808, "over": 9223372036854775808, "float": 1.5e3, "neg": -0,
  "nested": {"deep": {"deeper": {"deepest": "bottom"}}}, "empty": {}, "list": [], "s p": " spaced " ,
  "0": "zero" }`

// DocPaths are the paths of Doc a reader is checked at.
var DocPaths = []string{"", "a", "a.b", "a.b.0", "a.b.1", "a.b.2.c", "a.b.3", "a.d", "a.e", "a.f", "uni",
	`esc"key`, "big", "small", "over", "float", "neg", "nested.deep.deeper.deepest", "empty", "list", "list.0",
	"s p", "0", "missing", "a.missing", "a.b.x", "uni.x"}

// seeds are the documents every SDK's FuzzJSONReader starts from: Doc, the
// smallest containers, truncated and invalid documents, and the parts of a
// reader that are easy to get wrong (escapes, surrogate pairs and lone
// halves, integers past int64, keys given twice, nesting near a reader's
// limit and past it, bytes that are not UTF-8).
var seeds = []string{Doc, `{}`, `[]`, `{"a":[1,{"b":"\u00e9"}]}`, `{"a":`, `[1,2,`, `"\ud800"`, `{"a":1e999}`,
	`{"":{"":[]}}`, "{\"a\":\"\x00\"}",
	`{"a":1,"b":{"c":1,"c":[2]},"a":{"x":"last"}}`,
	`{"e":"\"\\\/\b\f\n\r\t\u0000\u001f\u007f\u2028\u00E9","k\u00e9y":1,"\ud83d\ude00":2,"a\"b":3}`,
	`{"pair":"\ud83d\ude00","high":"x\ud83dy","low":"\ude00","then":"\ud83d\u0041","twice":"\ud83d\ud83d\ude00","max":"\udbff\udfff","bad":"\ud83d\u00"}`,
	`{"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808,"under":-9223372036854775809,` +
		`"huge":123456789012345678901234567890,"neg0":-0,"exp":1E+2,"frac":0.5e-7,"zero":0}`,
	" \t\n\r{ \"a\" : [ 1 , 2 ] , \"日本\" : \"語\" , \"😀\" : [\"é\"] } \n",
	strings.Repeat(`[`, 126) + strings.Repeat(`]`, 126),
	strings.Repeat(`{"a":`, 127) + `1` + strings.Repeat(`}`, 127),
	strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300),
	"{\"a\":\"\xff\xfe\"}", `{"a":"\x"}`, `"\u12"`, `"\u+123"`, `[tru]`, `{"a" 1}`, `[1,]`, `{"a":1}{}`, `[01]`}

// AddSeeds adds the seed corpus to an SDK's FuzzJSONReader.
func AddSeeds(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
}

// Load builds the probe module in dir, written in lang (see modkit.Make),
// and loads it for Reader. Its chatwasm host functions fail here (see
// modkit.Direct): probe needs none.
func Load(tb testing.TB, dir, lang string) *wasm.Module {
	tb.Helper()
	b, err := os.ReadFile(modkit.Make(tb, dir, lang))
	if err != nil {
		tb.Fatal(err)
	}
	return modkit.Direct(tb, b, wasm.ModuleConfig{Name: "jsonprobe", PoolSize: 1, Timeout: 10 * time.Second}, nil)
}

// Probe is the Reader of the probe module in dir, written in lang (Load),
// with maxDepth as its MaxDepth.
func Probe(tb testing.TB, dir, lang string, maxDepth int) Reader {
	tb.Helper()
	return Reader{Module: Load(tb, dir, lang), MaxDepth: maxDepth}
}

// FuzzTarget is an SDK's whole FuzzJSONReader: the seeds, then Fuzz on
// each input.
func (r Reader) FuzzTarget(f *testing.F) {
	AddSeeds(f)
	f.Fuzz(r.Fuzz)
}

// Reader is an SDK's JSON reader, through the probe export of its module.
type Reader struct {
	Module *wasm.Module
	// MaxDepth, if not 0, is the nesting of arrays and objects the reader
	// reads at most, counting probe's input object: it may refuse deeper
	// documents (but not trap on them).
	MaxDepth int
}

// Fuzz is the body of an SDK's FuzzJSONReader: on valid JSON in UTF-8 the
// reader finds what encoding/json finds at every path of the document's
// first two levels (of a member given twice, the last); on any input it
// never traps.
func (r Reader) Fuzz(t *testing.T, doc string) {
	if !json.Valid([]byte(doc)) || !utf8.ValidString(doc) {
		// Not JSON (the input around it is not either), or not UTF-8,
		// which encoding/json reads as U+FFFD and the host never writes:
		// the module may refuse it, but must not trap.
		in := append(append([]byte(`{"doc":`), doc...), `,"paths":[""]}`...)
		if _, err := r.Module.Call(context.Background(), "probe", in, nil); errors.Is(err, wasm.ErrFault) {
			t.Fatalf("probe trapped on %q: %v", doc, err)
		}
		return
	}
	r.Check(t, doc, Paths(doc))
}

// Paths lists the paths of a JSON document's first two levels (and one
// that is absent).
func Paths(doc string) []string {
	paths := []string{"", "absent"}
	var top any
	if json.Unmarshal([]byte(doc), &top) != nil {
		return paths
	}
	add := func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if !strings.Contains(k, ".") {
					paths = append(paths, prefix+k)
				}
			}
		case []any:
			for i := range min(len(x), 3) {
				paths = append(paths, prefix+fmt.Sprint(i))
			}
		}
	}
	add("", top)
	for _, p := range paths[2:] {
		if v, ok := lookup(top, p); ok {
			add(p+".", v)
		}
	}
	return paths
}

// lookup is probe's path contract, in Go.
func lookup(top any, path string) (any, bool) {
	v := top
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || i < 0 || i >= len(x) || fmt.Sprint(i) != seg {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// kind is v's type number in probe's output.
func kind(v any) int {
	switch v.(type) {
	case nil:
		return 1
	case bool:
		return 2
	case json.Number:
		return 3
	case string:
		return 4
	case []any:
		return 5
	default:
		return 6
	}
}

// depth is the nesting of arrays and objects of a valid JSON document.
func depth(doc string) int {
	d := json.NewDecoder(strings.NewReader(doc))
	n, deepest := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			n++
			deepest = max(deepest, n)
		case json.Delim(']'), json.Delim('}'):
			n--
		}
	}
}

// Check has the reader look up paths in doc (valid JSON) and checks each
// answer against encoding/json: absent, or the value's kind, its JSON, its
// text when it is a string and its value when it is an integer.
func (r Reader) Check(t *testing.T, doc string, paths []string) {
	t.Helper()
	var top any
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&top); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]any{"doc": json.RawMessage(doc), "paths": paths})
	out, err := r.Module.Call(context.Background(), "probe", in, nil)
	if err != nil {
		if r.MaxDepth > 0 && depth(doc)+1 > r.MaxDepth && !errors.Is(err, wasm.ErrFault) {
			return // refused as nested too deeply
		}
		t.Fatalf("probe(%.200s): %v", in, err)
	}
	var got []struct {
		Type int
		Raw  *string
		Text *string
		Int  *int64
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("probe's output %.200q: %v", out, err)
	}
	if len(got) != len(paths) {
		t.Fatalf("%d answers for %d paths", len(got), len(paths))
	}
	for i, p := range paths {
		g := got[i]
		v, ok := lookup(top, p)
		if !ok {
			if g.Type != 0 || g.Raw != nil {
				t.Errorf("%q: found %+v, want absent", p, g)
			}
			continue
		}
		if g.Type != kind(v) {
			t.Errorf("%q: type %d, want %d", p, g.Type, kind(v))
		}
		want, _ := json.Marshal(v)
		if g.Raw == nil || !json.Valid([]byte(*g.Raw)) || modkit.Normalize(t, []byte(*g.Raw)) != modkit.Normalize(t, want) {
			t.Errorf("%q: raw %q, want %s", p, deref(g.Raw), want)
		}
		s, isString := v.(string)
		if isString != (g.Text != nil) || (isString && *g.Text != s) {
			t.Errorf("%q: text %q, want %q", p, deref(g.Text), s)
		}
		n, isInt := v.(json.Number)
		i64, err := n.Int64()
		isInt = isInt && err == nil && !strings.ContainsAny(n.String(), ".eE")
		if isInt != (g.Int != nil) || (isInt && *g.Int != i64) {
			t.Errorf("%q: int %s, want %d (an int64: %v)", p, intText(g.Int), i64, isInt)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func intText(n *int64) string {
	if n == nil {
		return "<nil>"
	}
	return fmt.Sprint(*n)
}
