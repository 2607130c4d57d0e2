package mongotest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

func TestStart(t *testing.T) {
	uri := mongotest.Start(t)
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") || !strings.HasSuffix(uri, "/lotline") {
		t.Errorf("Start: URI %q, want mongodb://127.0.0.1:<port>/lotline", uri)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	coll := c.Database("lotline").Collection("probe")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "k", Value: "v"}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("count: %d, %v", n, err)
	}
}
