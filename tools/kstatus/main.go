// kstatus prints what sigs.k8s.io/cli-utils/pkg/kstatus (the library Flux, kpt
// and the cli-utils applier use to decide whether a rollout is done) computes
// for each object it reads: one line per object, "STATUS<TAB>MESSAGE", where
// STATUS is InProgress, Failed, Current, Terminating, NotFound or Unknown.
//
// Input: a JSON object, a List (`kubectl get -o json`) or several of them, on
// standard input.
//
// The post2log tests run it on `kubectl get post2log NAME -o json` to assert
// what deploy tools see in each state of a Post2Log.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	decoder := json.NewDecoder(os.Stdin)
	count := 0
	for {
		var raw json.RawMessage
		err := decoder.Decode(&raw)
		if err == io.EOF {
			break
		}
		// Kubernetes' own decoding: integers become int64, as the API machinery expects.
		var object map[string]interface{}
		if err == nil {
			err = utiljson.Unmarshal(raw, &object)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kstatus: reading JSON: %v\n", err)
			os.Exit(2)
		}
		items := []interface{}{object}
		if object["kind"] == "List" {
			items, _ = object["items"].([]interface{})
		}
		for _, item := range items {
			fields, ok := item.(map[string]interface{})
			if !ok {
				fmt.Fprintln(os.Stderr, "kstatus: a list item is not an object")
				os.Exit(2)
			}
			result, err := status.Compute(&unstructured.Unstructured{Object: fields})
			if err != nil {
				fmt.Fprintf(os.Stderr, "kstatus: %v\n", err)
				os.Exit(1)
			}
			fmt.Printf("%s\t%s\n", result.Status, result.Message)
			count++
		}
	}
	if count == 0 {
		fmt.Fprintln(os.Stderr, "kstatus: no object on standard input")
		os.Exit(2)
	}
}
