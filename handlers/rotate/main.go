// placeholder until the handler lands
package main

func main() {}
