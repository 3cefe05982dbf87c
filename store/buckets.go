package store

// Buckets added by migration 4; their layouts are drawn in doc.go.
var (
	bucketMedia       = []byte("media")
	bucketMediaFiles  = []byte("media_files")
	bucketMediaJobs   = []byte("media_jobs")
	bucketAPIKeys     = []byte("api_keys")
	bucketIdempotency = []byte("idempotency")
	bucketHookOut     = []byte("hook_out")
	bucketCampaigns   = []byte("campaigns")
	bucketRecipients  = []byte("recipients")
	bucketOptOuts     = []byte("optouts")
	bucketUsers       = []byte("users")
	bucketWebSessions = []byte("web_sessions")
)
