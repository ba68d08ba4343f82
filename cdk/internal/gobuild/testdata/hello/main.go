// Command hello is a minimal main package used to test local bundling.
package main

func main() {}
