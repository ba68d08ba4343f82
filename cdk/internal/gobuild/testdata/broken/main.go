// Command broken does not compile (a type error); it tests that a failed
// local build stops the synth with the compiler's message.
package main

func main() {
	var n int = "not an int"
	_ = n
}
