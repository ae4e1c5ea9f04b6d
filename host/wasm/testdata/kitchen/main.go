// Command kitchen is a test guest built on go-pdk: one export per kernel
// feature, plus hostile ones (endless loop, memory and kernel memory bombs,
// panic, huge output) for the sandbox tests.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"time"

	pdk "github.com/extism/go-pdk"
)

func main() {}

//go:wasmimport extism:host/user upper
func hostUpper(uint64) uint64

//go:wasmimport extism:host/user secret
func hostSecret(uint64) uint64

//go:wasmimport extism:host/user nested
func hostNested(uint64) uint64

//go:wasmimport extism:host/user chatwasm_last_error
func lastError() uint64

// inputBlock copies the input into a kernel block for a host function.
func inputBlock() uint64 {
	mem := pdk.AllocateBytes(pdk.Input())
	return mem.Offset()
}

//go:wasmexport noop
func noop() int32 { return 0 }

//go:wasmexport echo
func echo() int32 {
	pdk.Output(pdk.Input())
	return 0
}

//go:wasmexport fail
func fail() int32 {
	pdk.SetErrorString(pdk.InputString())
	return 1
}

//go:wasmexport config
func config() int32 {
	v, ok := pdk.GetConfig(pdk.InputString())
	if !ok {
		pdk.SetErrorString("no such config key")
		return 1
	}
	pdk.OutputString(v)
	return 0
}

//go:wasmexport count
func count() int32 {
	n := pdk.GetVarInt("count") + 1
	pdk.SetVarInt("count", n)
	pdk.OutputString(strconv.Itoa(n))
	return 0
}

//go:wasmexport var_bomb
func varBomb() int32 {
	big := make([]byte, 64<<10)
	for i := 0; ; i++ {
		pdk.SetVar("v"+strconv.Itoa(i), big)
	}
}

//go:wasmexport log
func logs() int32 {
	in := pdk.InputString()
	pdk.Log(pdk.LogDebug, "debug "+in)
	pdk.Log(pdk.LogInfo, "info "+in)
	pdk.Log(pdk.LogWarn, "warn "+in)
	pdk.Log(pdk.LogError, "error "+in)
	return 0
}

// httpResult is what the http export reports back.
type httpResult struct {
	Status  uint16            `json:"status"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers"`
	Error   string            `json:"error"`
}

//go:wasmexport http
func httpGet() int32 {
	var in struct {
		URL    string `json:"url"`
		Method string `json:"method"`
		Body   string `json:"body"`
	}
	if err := pdk.InputJSON(&in); err != nil {
		pdk.SetError(err)
		return 1
	}
	method := pdk.MethodGet
	if in.Method == "POST" {
		method = pdk.MethodPost
	}
	req := pdk.NewHTTPRequest(method, in.URL).SetHeader("X-Guest", "kitchen")
	if in.Body != "" {
		req.SetBody([]byte(in.Body))
	}
	resp := req.Send()
	res := httpResult{Status: resp.Status(), Body: string(resp.Body()), Headers: resp.Headers()}
	if res.Status == 0 {
		res.Error = pdk.ParamString(lastError())
	}
	if err := pdk.OutputJSON(res); err != nil {
		pdk.SetError(err)
		return 1
	}
	return 0
}

//go:wasmexport upper
func upper() int32 {
	out := hostUpper(inputBlock())
	if out == 0 {
		pdk.SetErrorString(pdk.ParamString(lastError()))
		return 1
	}
	pdk.Output(pdk.ParamBytes(out))
	return 0
}

//go:wasmexport secret
func secret() int32 {
	if out := hostSecret(inputBlock()); out != 0 {
		pdk.Output(pdk.ParamBytes(out))
		return 0
	}
	pdk.SetErrorString(pdk.ParamString(lastError()))
	return 1
}

//go:wasmexport nested
func nested() int32 {
	out := hostNested(inputBlock())
	if err := pdk.ParamString(lastError()); err != "" {
		pdk.SetErrorString(err)
		return 1
	}
	pdk.Output(pdk.ParamBytes(out))
	return 0
}

// sleep sleeps for the milliseconds the input says (with the real clock
// only if the module is granted it).
//
//go:wasmexport sleep
func sleep() int32 {
	ms, err := strconv.Atoi(pdk.InputString())
	if err != nil {
		pdk.SetError(err)
		return 1
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
	pdk.OutputString("slept " + strconv.Itoa(ms))
	return 0
}

var spin uint64

//go:wasmexport loop
func loop() int32 {
	for {
		spin++
	}
}

var hoard [][]byte

//go:wasmexport mem_bomb
func memBomb() int32 {
	for {
		hoard = append(hoard, make([]byte, 1<<20))
	}
}

//go:wasmexport kernel_bomb
func kernelBomb() int32 {
	for {
		pdk.Allocate(64 << 10)
	}
}

//go:wasmexport panic
func panics() int32 {
	panic("boom from the guest")
}

//go:wasmexport huge_output
func hugeOutput() int32 {
	pdk.Output(make([]byte, 5<<20))
	return 0
}

//go:wasmexport sandbox
func sandbox() int32 {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	_, err := os.ReadFile("/etc/hostname")
	res := map[string]any{
		"year":      time.Now().Year(),
		"random":    hex.EncodeToString(b),
		"env":       len(os.Environ()),
		"read_file": err != nil,
	}
	out, _ := json.Marshal(res)
	pdk.Output(out)
	return 0
}
