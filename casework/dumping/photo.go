package dumping

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the formats photos may come in
	_ "image/png"
	"math"
	"time"

	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
	"github.com/paulmach/orb"
)

// Photo limits.
const (
	// DefaultMaxPhotoBytes bounds one upload.
	DefaultMaxPhotoBytes = 8 << 20
	// maxPixels refuses decompression bombs: 40 megapixels is more than
	// any phone camera writes.
	maxPixels = 40_000_000
	// photoWindow is how long after a report its reporter (a public
	// viewer) may still attach photos.
	photoWindow = 24 * time.Hour
)

// CleanPhoto checks that b is a JPEG or PNG of at most maxBytes and
// returns it without metadata: JPEG APP1–APP15 segments (EXIF with its GPS
// position, XMP, ICC) and comments, PNG text, time and eXIf chunks. Image
// data is copied byte for byte, so nothing is recompressed.
func CleanPhoto(b []byte, maxBytes int) (clean []byte, contentType string, width, height int, err error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxPhotoBytes
	}
	if len(b) > maxBytes {
		return nil, "", 0, 0, &InputError{"photo", fmt.Sprintf("%d bytes; photos are limited to %d", len(b), maxBytes)}
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		contentType = "image/jpeg"
		clean, err = stripJPEG(b)
	case bytes.HasPrefix(b, pngMagic):
		contentType = "image/png"
		clean, err = stripPNG(b)
	default:
		return nil, "", 0, 0, &InputError{"photo", "only JPEG and PNG photos are accepted"}
	}
	if err != nil {
		return nil, "", 0, 0, &InputError{"photo", "broken " + contentType + ": " + err.Error()}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(clean))
	if err != nil {
		return nil, "", 0, 0, &InputError{"photo", "broken " + contentType + ": " + err.Error()}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, "", 0, 0, &InputError{"photo", fmt.Sprintf("%d×%d pixels; at most %d are accepted", cfg.Width, cfg.Height, maxPixels)}
	}
	if _, _, err := image.Decode(bytes.NewReader(clean)); err != nil {
		return nil, "", 0, 0, &InputError{"photo", "broken " + contentType + ": " + err.Error()}
	}
	return clean, contentType, cfg.Width, cfg.Height, nil
}

var errShort = errors.New("truncated")

// stripJPEG copies a JPEG's segments, leaving out APPn (n ≥ 1) and COM.
func stripJPEG(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xFF {
			return nil, errShort
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, errShort
		}
		seg := b[i : i+2+n]
		drop := marker >= 0xE1 && marker <= 0xEF || marker == 0xFE
		if !drop {
			out = append(out, seg...)
		}
		i += 2 + n
		if marker == 0xDA { // start of scan: the rest is image data
			out = append(out, b[i:]...)
			return out, nil
		}
	}
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// pngKeep are the chunks a photo needs to look the same.
var pngKeep = map[string]bool{"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true, "tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "sBIT": true, "bKGD": true}

// stripPNG copies a PNG's chunks, keeping only those in pngKeep.
func stripPNG(b []byte) ([]byte, error) {
	out := append(make([]byte, 0, len(b)), pngMagic...)
	i := len(pngMagic)
	for i < len(b) {
		if i+8 > len(b) {
			return nil, errShort
		}
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		end := i + 12 + n
		if n < 0 || end > len(b) {
			return nil, errShort
		}
		if pngKeep[typ] {
			out = append(out, b[i:end]...)
		}
		i = end
		if typ == "IEND" {
			return out, nil
		}
	}
	return nil, errShort
}

// PhotoLocation reads the GPS position (lon, lat, WGS84) a camera wrote
// into a photo's EXIF. Call it only with the reporter's consent, before
// CleanPhoto removes the EXIF. ok is false when the photo carries no usable
// position; a malformed EXIF block is the same as none.
func PhotoLocation(b []byte) (p orb.Point, ok bool) {
	defer func() {
		if recover() != nil { // the EXIF library panics on some malformed input
			p, ok = orb.Point{}, false
		}
	}()
	raw, err := exif.SearchAndExtractExif(b)
	if err != nil {
		return orb.Point{}, false
	}
	im, err := exifcommon.NewIfdMappingWithStandard()
	if err != nil {
		return orb.Point{}, false
	}
	_, index, err := exif.Collect(im, exif.NewTagIndex(), raw)
	if err != nil {
		return orb.Point{}, false
	}
	ifd, err := index.RootIfd.ChildWithIfdPath(exifcommon.IfdGpsInfoStandardIfdIdentity)
	if err != nil {
		return orb.Point{}, false
	}
	gi, err := ifd.GpsInfo()
	if err != nil {
		return orb.Point{}, false
	}
	lon, lat := gi.Longitude.Decimal(), gi.Latitude.Decimal()
	if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 || lon == 0 && lat == 0 {
		return orb.Point{}, false
	}
	return orb.Point{lon, lat}, true
}

// attachPhoto stores a cleaned photo with report r inside tx.
func attachPhoto(ctx context.Context, tx Tx, v Viewer, r *Report, clean []byte, ct string, w, h int, now time.Time) (*Photo, error) {
	if len(r.Photos) >= 10 {
		return nil, &InputError{"photo", "a report holds at most 10 photos"}
	}
	p := &Photo{ID: fmt.Sprintf("%s-%d", r.ID, len(r.Photos)+1), ReportID: r.ID, Type: ct, Data: clean, Width: w, Height: h, TakenAt: now}
	r.Photos = append(r.Photos, p.ID)
	r.UpdatedAt = now
	if err := tx.AddPhoto(ctx, p); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, AuditRecord{At: now, Actor: v.String(), Action: "photo", ReportID: r.ID, Detail: fmt.Sprintf("%s %d×%d, %d bytes", ct, w, h, len(clean))}); err != nil {
		return nil, err
	}
	return p, tx.Put(ctx, r)
}

// AddPhoto attaches a cleaned photo to a report: its reporter may within a
// day of reporting, the handling agency and the centre at any time.
func (d *Desk) AddPhoto(ctx context.Context, v Viewer, reportID string, data []byte, maxBytes int) (*Photo, error) {
	clean, ct, w, h, err := CleanPhoto(data, maxBytes)
	if err != nil {
		return nil, err
	}
	now := d.cfg.Now().UTC()
	var out *Photo
	err = d.repo.Update(ctx, func(ctx context.Context, tx Tx) error {
		r, err := tx.Report(ctx, reportID)
		if err != nil {
			return err
		}
		if !canHandle(v, r) && (v.Role != RolePublic || now.Sub(r.RequestedAt) > photoWindow || !r.State.Open()) {
			return &ForbiddenError{v, "add photos to report " + reportID}
		}
		out, err = attachPhoto(ctx, tx, v, r, clean, ct, w, h, now)
		return err
	})
	return out, err
}

// Photo returns a photo: photos are public, like the summaries that link
// them (they carry no metadata).
func (d *Desk) Photo(ctx context.Context, id string) (*Photo, error) { return d.repo.Photo(ctx, id) }
