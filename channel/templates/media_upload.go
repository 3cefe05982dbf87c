package templates

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wachan/wachan/channel/cloudapi"
)

// headerMediaLimits are the sample files a media header takes, by MIME
// type, with Meta's size limits.
var headerMediaLimits = map[string]int{
	"image/jpeg":      5 << 20,
	"image/png":       5 << 20,
	"video/mp4":       16 << 20,
	"application/pdf": 100 << 20,
}

// HeaderFormatOf returns the header format (IMAGE, VIDEO or DOCUMENT) a
// file of mimeType is a sample for, or "".
func HeaderFormatOf(mimeType string) string {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return "IMAGE"
	case strings.HasPrefix(mimeType, "video/"):
		return "VIDEO"
	case mimeType == "application/pdf":
		return "DOCUMENT"
	}
	return ""
}

// UploadMedia uploads a sample file for a media header through Meta's
// Resumable Upload API, with the app id and token of channelID, and
// returns the handle to give as header.handle. The file must be a JPEG or
// PNG image (5 MB), an MP4 video (16 MB) or a PDF (100 MB).
func (s *Service) UploadMedia(ctx context.Context, channelID, fileName, mimeType string, data []byte) (string, error) {
	a, err := s.author()
	if err != nil {
		return "", fmt.Errorf("uploading template media: %w", err)
	}
	mimeType = strings.ToLower(strings.TrimSpace(mimeType))
	if i := strings.IndexByte(mimeType, ';'); i >= 0 {
		mimeType = strings.TrimSpace(mimeType[:i])
	}
	if mimeType == "image/jpg" {
		mimeType = "image/jpeg"
	}
	limit, ok := headerMediaLimits[mimeType]
	switch {
	case !ok || !slices.Contains(cloudapi.ResumableTypes, mimeType):
		return "", fail(CodeMedia, "file", "a header sample must be image/jpeg, image/png, video/mp4 or application/pdf, not %q", mimeType)
	case len(data) == 0:
		return "", fail(CodeMedia, "file", "the file is empty")
	case len(data) > limit:
		return "", fail(CodeMedia, "file", "the file has %d bytes; a %s header sample may have at most %d", len(data), strings.ToLower(HeaderFormatOf(mimeType)), limit)
	}
	ch, _, err := s.channelCreds(channelID)
	if err != nil {
		return "", fmt.Errorf("uploading template media: %w", err)
	}
	if ch.AppID == "" {
		return "", fail(CodeMedia, "app_id", "channel %s has no app_id: Meta's upload API works per app; set the channel's app_id first", channelID)
	}
	h, err := a.UploadHandle(ctx, ch.AccessToken, ch.AppID, fileName, mimeType, data)
	if err != nil {
		return "", fmt.Errorf("uploading template media: %w", refusal(err))
	}
	return h, nil
}
