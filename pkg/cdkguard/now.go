package cdkguard

import "time"

// nowFunc is the evaluation instant (exception expiry); tests fix it.
var nowFunc = func() time.Time { return time.Now().UTC() }
