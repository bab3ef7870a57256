package dumping_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"testing"

	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// jpegWithGPS is a small JPEG carrying a camera's EXIF block with a GPS
// position (degrees, minutes, seconds as rationals, as phones write them).
func jpegWithGPS(t *testing.T, lon, lat float64) []byte {
	t.Helper()
	dms := func(v float64) []exifcommon.Rational {
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		s := ((v-d)*60 - m) * 60
		return []exifcommon.Rational{{Numerator: uint32(d), Denominator: 1}, {Numerator: uint32(m), Denominator: 1}, {Numerator: uint32(math.Round(s * 10000)), Denominator: 10000}}
	}
	im, err := exifcommon.NewIfdMappingWithStandard()
	if err != nil {
		t.Fatal(err)
	}
	ti := exif.NewTagIndex()
	root := exif.NewIfdBuilder(im, ti, exifcommon.IfdStandardIfdIdentity, binary.BigEndian)
	gps := exif.NewIfdBuilder(im, ti, exifcommon.IfdGpsInfoStandardIfdIdentity, binary.BigEndian)
	for _, kv := range []struct {
		k string
		v any
	}{{"GPSLatitudeRef", "N"}, {"GPSLatitude", dms(lat)}, {"GPSLongitudeRef", "E"}, {"GPSLongitude", dms(lon)}} {
		if err := gps.AddStandardWithName(kv.k, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := root.AddChildIb(gps); err != nil {
		t.Fatal(err)
	}
	payload, err := exif.NewIfdByteEncoder().EncodeToExif(root)
	if err != nil {
		t.Fatal(err)
	}
	var j bytes.Buffer
	if err := jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	app1 := append([]byte("Exif\x00\x00"), payload...)
	seg := append([]byte{0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}, app1...)
	return append(append(append([]byte{}, j.Bytes()[:2]...), seg...), j.Bytes()[2:]...)
}

// TestPhotoLocationWithConsent reads a photo's GPS position only when the
// reporter consents, and stores the photo without it either way.
func TestPhotoLocationWithConsent(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	tm := f.on(t, "npa-central", true)
	ll, err := crs.Transform(crs.TWD97TM2, crs.WGS84, tm)
	if err != nil {
		t.Fatal(err)
	}
	photo := jpegWithGPS(t, ll[0], ll[1])
	got, ok := dumping.PhotoLocation(photo)
	if !ok || math.Abs(got[0]-ll[0]) > 1e-6 || math.Abs(got[1]-ll[1]) > 1e-6 {
		t.Fatalf("PhotoLocation = %v %v, want %v", got, ok, ll)
	}
	if _, ok := dumping.PhotoLocation([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*garbage")); ok {
		t.Error("a broken EXIF block gave a location")
	}

	in := dumping.Intake{ServiceCode: "dumping-household", Description: "路邊舊床墊", Photo: photo}
	// Without consent the position is not read: no location, no report.
	if _, err := f.desk.Submit(ctx, dumping.Public, in); !isInput(err, "location") {
		t.Fatalf("without consent: %v", err)
	}
	in.UsePhotoLocation = true
	r, err := f.desk.Submit(ctx, dumping.Public, in)
	if err != nil {
		t.Fatal(err)
	}
	if math.Hypot(r.X-tm[0], r.Y-tm[1]) > 0.5 || r.AgencyID != "npa-central" || len(r.Photos) != 1 {
		t.Fatalf("report at %.1f,%.1f (photo taken at %v) routed to %s with %d photos", r.X, r.Y, tm, r.AgencyID, len(r.Photos))
	}
	stored, err := f.desk.Photo(ctx, r.Photos[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dumping.PhotoLocation(stored.Data); ok || bytes.Contains(stored.Data, []byte("Exif")) {
		t.Error("the stored photo still carries its EXIF position")
	}
	// A photo without a position cannot place a report.
	var plain bytes.Buffer
	_ = jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	in.Photo = plain.Bytes()
	if _, err := f.desk.Submit(ctx, dumping.Public, in); !isInput(err, "location") {
		t.Errorf("photo without GPS: %v", err)
	}
	// A given location wins over the photo's.
	in.Photo, in.Point, in.CRS = photo, orb.Point{307056.819, 2769551.837}, crs.TWD97TM2
	if r, err := f.desk.Submit(ctx, dumping.Public, in); err != nil || r.AgencyID != "centre" {
		t.Errorf("given location: %v %v", r, err)
	}
}

func isInput(err error, field string) bool {
	var ie *dumping.InputError
	return errors.As(err, &ie) && ie.Field == field
}

// FuzzCleanPhoto feeds broken and hostile bytes to the photo path: it
// must answer with an error or with an image that decodes and carries no
// metadata segment, and never panic.
func FuzzCleanPhoto(f *testing.F) {
	var j bytes.Buffer
	_ = jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	f.Add(j.Bytes())
	f.Add(append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, []byte("Exif\x00\x00MM\x00*")...))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = dumping.PhotoLocation(b)
		out, ct, _, _, err := dumping.CleanPhoto(b, 1<<20)
		if err != nil {
			return
		}
		if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("cleaned %s does not decode: %v", ct, err)
		}
		if ct == "image/jpeg" && bytes.Contains(out, []byte{0xFF, 0xE1}) && bytes.Contains(out, []byte("Exif")) {
			t.Fatal("an EXIF segment survived")
		}
	})
}
