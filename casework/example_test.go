package casework_test

import (
	"fmt"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/tracing/model"
)

// A continuous sensor's reading points where to look; a sampled,
// accredited, QA-valid reading can support enforcement.
func ExampleGrade() {
	fmt.Println(casework.Grade(model.Continuous, model.Sample{}))
	fmt.Println(casework.Grade(model.Fixed, model.Sample{ID: "S-0814-01", Method: "NIEA W306.56A", Lab: "中部環境檢驗室",
		Accreditation: "環境部認可", QA: model.QAValid}))
	// Output:
	// screening continuous sensor reading; no sample id; no NIEA method; no accredited laboratory; QA not valid
	// evidence
}
