package field

import (
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	for in, want := range map[string]string{
		`plain text, don't "quote"`:                        `plain text, don't "quote"`,
		`a < b && c > d`:                                   `a &lt; b &amp;&amp; c &gt; d`,
		`&amp; &lt;b&gt;`:                                  `&amp; &lt;b&gt;`,
		`<b>b</b><i>i</i><strong>s</strong><em>e</em>`:     `<b>b</b><i>i</i><strong>s</strong><em>e</em>`,
		`<p class="c" id="x" style="color:red">p</p>`:      `<p class="c" id="x">p</p>`,
		`<ul><li>1</li><li>2</li></ul><ol><li>3</li></ol>`: `<ul><li>1</li><li>2</li></ul><ol><li>3</li></ol>`,
		`line<br>break<br/>`:                               `line<br>break<br>`,
		`<span title="t">s</span>`:                         `<span>s</span>`,
		`<a href="https://x.org/?a=1&b=2" title="t" target="_blank" rel="x">l</a>`:       `<a href="https://x.org/?a=1&amp;b=2" title="t" target="_blank">l</a>`,
		`<a title="t" href="/x">x</a><b id="i" class="c">b</b><p id="i" class="c">p</p>`: `<a title="t" href="/x">x</a><b id="i" class="c">b</b><p id="i" class="c">p</p>`,
		`<a title="t" href="h"><p>x</a>y`:                                                `<a title="t" href="h"></a><p><a title="t" href="h">x</a>y</p>`,
		`<B CLASS="c" ID="i">x</B>`:                                                      `<b class="c" id="i">x</b>`,
		`<a href="mailto:a@b.c">m</a><a href="/rel">r</a>`:                               `<a href="mailto:a@b.c">m</a><a href="/rel">r</a>`,
		`<a href="javascript:alert(1)">j</a>`:                                            `<a>j</a>`,
		`<a href="java&#x09;script:alert(1)">j</a>`:                                      `<a>j</a>`,
		`<a href=" JAVASCRIPT:alert(1)">j</a>`:                                           `<a>j</a>`,
		`<a href="data:text/html,x">d</a>`:                                               `<a>d</a>`,
		`<div>in <u>div</u></div>`:                                                       `in div`,
		`<!-- comment -->text`:                                                           `text`,
		`<script>alert(1)</script>after`:                                                 `alert(1)after`,
		`<script>if (a < b) x()</script>`:                                                `if (a &lt; b) x()`,
		`<style>p{}</style>after`:                                                        `p{}after`,
		`<style><b>x</b></style>`:                                                        `&lt;b&gt;x&lt;/b&gt;`,
		`<img src=x onerror=alert(1)>`:                                                   ``,
		`<svg><script>alert(1)</script></svg>x`:                                          `alert(1)x`,
		`<svg><a href="https://x.org/">s</a></svg>`:                                      `s`,
		`<scr<script>ipt>alert(1)</script>`:                                              `ipt&gt;alert(1)`,
		`<b>unclosed`:                                                                    `<b>unclosed</b>`,
		`</b>stray`:                                                                      `stray`,
		`<b onmouseover="x" class="y">b</b>`:                                             `<b class="y">b</b>`,
		`<p id='a"b'>q</p>`:                                                              `<p id="a&quot;b">q</p>`,
		`héllo ✓ 😀`:                                                                      `héllo ✓ 😀`,
	} {
		if got := SanitizeHTML(in); got != want {
			t.Errorf("sanitizeHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSanitizeHTML checks that no input yields a script element or an
// event-handler attribute.
func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{`<script>x</script>`, `<scr<script>ipt>`, `<a href="javascript:x">`, `<b onclick=x>`, "<<script>>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := strings.ToLower(SanitizeHTML(in))
		if strings.Contains(out, "<script") || HasEventAttr(out) {
			t.Fatalf("sanitizeHTML(%q) = %q", in, out)
		}
	})
}

// FuzzSanitizePlainText checks the shortcut of SanitizeHTML: text that
// plainText lets through comes out of the parser unchanged too.
func FuzzSanitizePlainText(f *testing.F) {
	for _, s := range []string{"hello world", "don't \"quote\"", "tab\tform\ffeed\nline", "  ", "", "é✓\u2028", "\ufffd", "a\x01b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !plainText(in) {
			return
		}
		if out := sanitizeFragment(in); out != in {
			t.Fatalf("plainText(%q) but the parser gives %q", in, out)
		}
	})
}

// HasEventAttr reports whether a sanitised string has an on* attribute
// inside a tag.
func HasEventAttr(s string) bool {
	for _, tag := range strings.Split(s, "<")[1:] {
		end := strings.IndexByte(tag, '>')
		if end < 0 {
			continue
		}
		for _, f := range strings.Fields(tag[:end])[1:] {
			if strings.HasPrefix(f, "on") {
				return true
			}
		}
	}
	return false
}
