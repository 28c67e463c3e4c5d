package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/abema/go-mp4"
	"github.com/at-wat/ebml-go"
)

// mp4Duration times an MP4 file (M4A, or an MP4 whose sound is what is
// sent) from its boxes, read with go-mp4's box extractor. The movie
// header's duration in its timescale is the length a player shows; a file
// written as it was recorded (fragmented, as browsers' recorders write it)
// leaves that zero and states each fragment's samples instead, counted in
// their track's media timescale. go-mp4's Probe is not used: it expands
// every sample of the sample tables into memory, which a forged sample
// count turns into gigabytes; the boxes read here are bounded by their
// own sizes.
func mp4Duration(data []byte) (time.Duration, error) {
	r := bytes.NewReader(data)
	if mvhd, err := mp4.ExtractBoxWithPayload(r, nil, mp4.BoxPath{mp4.BoxTypeMoov(), mp4.BoxTypeMvhd()}); err != nil {
		return 0, fmt.Errorf("read MP4: %w", err)
	} else if len(mvhd) > 0 {
		h := mvhd[0].Payload.(*mp4.Mvhd)
		if h.Timescale > 0 && h.GetDuration() > 0 {
			return scaled(h.GetDuration(), uint64(h.Timescale)), nil
		}
	}
	tracks, err := mp4Tracks(r)
	if err != nil {
		return 0, err
	}
	if err := mp4Fragments(r, tracks); err != nil {
		return 0, err
	}
	var longest, anyTrack time.Duration
	for _, tr := range tracks {
		units := tr.fragments
		if units == 0 {
			units = tr.duration
		}
		if tr.timescale == 0 || units == 0 {
			continue
		}
		d := scaled(units, uint64(tr.timescale))
		anyTrack = max(anyTrack, d)
		if tr.sound {
			longest = max(longest, d)
		}
	}
	if longest == 0 {
		// A file whose handler boxes name no sound track is timed by
		// its longest track.
		longest = anyTrack
	}
	if longest == 0 {
		return 0, errors.New("read MP4: neither the movie header nor any track states a length")
	}
	return longest, nil
}

// mp4Track is what one track of an MP4 file says about its length.
type mp4Track struct {
	timescale       uint32
	duration        uint64 // the media header's, in timescale units
	sound           bool   // its handler is "soun"
	defaultDuration uint32 // a fragment sample's length unless stated (trex)
	fragments       uint64 // the fragments' samples added up
}

// mp4Tracks reads each track's ID, media timescale and duration, handler
// and fragment defaults.
func mp4Tracks(r io.ReadSeeker) (map[uint32]*mp4Track, error) {
	traks, err := mp4.ExtractBox(r, nil, mp4.BoxPath{mp4.BoxTypeMoov(), mp4.BoxTypeTrak()})
	if err != nil {
		return nil, fmt.Errorf("read MP4: %w", err)
	}
	tracks := map[uint32]*mp4Track{}
	for _, trak := range traks {
		boxes, err := mp4.ExtractBoxesWithPayload(r, trak, []mp4.BoxPath{
			{mp4.BoxTypeTkhd()},
			{mp4.BoxTypeMdia(), mp4.BoxTypeMdhd()},
			{mp4.BoxTypeMdia(), mp4.BoxTypeHdlr()},
		})
		if err != nil {
			return nil, fmt.Errorf("read MP4 track: %w", err)
		}
		var id uint32
		tr := &mp4Track{}
		for _, b := range boxes {
			switch p := b.Payload.(type) {
			case *mp4.Tkhd:
				id = p.TrackID
			case *mp4.Mdhd:
				tr.timescale, tr.duration = p.Timescale, p.GetDuration()
			case *mp4.Hdlr:
				tr.sound = string(p.HandlerType[:]) == "soun"
			}
		}
		tracks[id] = tr
	}
	trexes, err := mp4.ExtractBoxWithPayload(r, nil, mp4.BoxPath{mp4.BoxTypeMoov(), mp4.BoxTypeMvex(), mp4.BoxTypeTrex()})
	if err != nil {
		return nil, fmt.Errorf("read MP4: %w", err)
	}
	for _, b := range trexes {
		trex := b.Payload.(*mp4.Trex)
		if tr := tracks[trex.TrackID]; tr != nil {
			tr.defaultDuration = trex.DefaultSampleDuration
		}
	}
	return tracks, nil
}

// mp4Fragments adds up the samples of every movie fragment to their
// track: each run's samples state their own duration, or take the
// fragment's default, or the track's.
func mp4Fragments(r io.ReadSeeker, tracks map[uint32]*mp4Track) error {
	trafs, err := mp4.ExtractBox(r, nil, mp4.BoxPath{mp4.BoxTypeMoof(), mp4.BoxTypeTraf()})
	if err != nil {
		return fmt.Errorf("read MP4 fragments: %w", err)
	}
	for _, traf := range trafs {
		boxes, err := mp4.ExtractBoxesWithPayload(r, traf, []mp4.BoxPath{{mp4.BoxTypeTfhd()}, {mp4.BoxTypeTrun()}})
		if err != nil {
			return fmt.Errorf("read MP4 fragment: %w", err)
		}
		var tr *mp4Track
		var def uint32
		for _, b := range boxes {
			switch p := b.Payload.(type) {
			case *mp4.Tfhd:
				tr = tracks[p.TrackID]
				if tr != nil {
					def = tr.defaultDuration
					if p.CheckFlag(mp4.TfhdDefaultSampleDurationPresent) {
						def = p.DefaultSampleDuration
					}
				}
			case *mp4.Trun:
				if tr == nil {
					continue
				}
				// Flag 0x100: each sample states its duration.
				if p.CheckFlag(0x000100) {
					for _, e := range p.Entries {
						tr.fragments += uint64(e.SampleDuration)
					}
				} else {
					tr.fragments += uint64(p.SampleCount) * uint64(def)
				}
			}
		}
	}
	return nil
}

// scaled converts units counted at timescale per second into a duration,
// in two steps so that a long file at a fine timescale cannot overflow.
func scaled(units, timescale uint64) time.Duration {
	whole := units / timescale
	rest := units % timescale
	return time.Duration(whole)*time.Second + time.Duration(rest*uint64(time.Second)/timescale)
}

// webmFile holds the few WebM elements a length needs; ebml-go skips the
// others. Clusters and their blocks are kept because a file recorded live
// (a browser's MediaRecorder, or any muxer writing to a pipe) has no
// Duration in its Info: its length is where its last block ends.
type webmFile struct {
	Segment struct {
		Info struct {
			TimecodeScale uint64  `ebml:"TimecodeScale"`
			Duration      float64 `ebml:"Duration,omitempty"`
		} `ebml:"Info"`
		Tracks struct {
			TrackEntry []struct {
				TrackNumber     uint64 `ebml:"TrackNumber"`
				TrackType       uint64 `ebml:"TrackType"`
				DefaultDuration uint64 `ebml:"DefaultDuration,omitempty"`
			} `ebml:"TrackEntry"`
		} `ebml:"Tracks"`
		Cluster []struct {
			Timecode    uint64       `ebml:"Timecode"`
			SimpleBlock []ebml.Block `ebml:"SimpleBlock"`
			BlockGroup  []struct {
				BlockDuration uint64     `ebml:"BlockDuration,omitempty"`
				Block         ebml.Block `ebml:"Block"`
			} `ebml:"BlockGroup"`
		} `ebml:"Cluster"`
	} `ebml:"Segment"`
}

// webmDuration times a WebM file: the Info element's Duration when the
// muxer wrote one, else the end of the last audio block. A block's end is
// its start plus its BlockDuration, the track's DefaultDuration, or (for
// Opus in WebM, which states neither) the spacing of the track's blocks.
func webmDuration(data []byte) (time.Duration, error) {
	var f webmFile
	if err := ebml.Unmarshal(bytes.NewReader(data), &f, ebml.WithIgnoreUnknown(true)); err != nil {
		return 0, fmt.Errorf("read WebM: %w", err)
	}
	seg := &f.Segment
	// Matroska's default scale is a millisecond (1,000,000 ns per tick).
	scale := seg.Info.TimecodeScale
	if scale == 0 {
		scale = 1_000_000
	}
	if seg.Info.Duration > 0 {
		return time.Duration(seg.Info.Duration * float64(scale)), nil
	}
	if len(seg.Tracks.TrackEntry) == 0 {
		return 0, errors.New("read WebM: the file names no tracks (is it cut short?)")
	}
	audio := map[uint64]uint64{}
	for _, tr := range seg.Tracks.TrackEntry {
		// Track type 2 is audio (Matroska's TrackType).
		if tr.TrackType == 2 {
			audio[tr.TrackNumber] = tr.DefaultDuration
		}
	}
	if len(audio) == 0 {
		return 0, fmt.Errorf("%w: a WebM file without an audio track", ErrUnknownFormat)
	}
	type span struct {
		last, prev int64 // start of the last and previous block, in ticks
		dur        int64 // the last block's stated duration, in ticks
		seen       int
	}
	spans := map[uint64]*span{}
	note := func(cluster uint64, b ebml.Block, dur uint64) {
		if _, ok := audio[b.TrackNumber]; !ok {
			return
		}
		s := spans[b.TrackNumber]
		if s == nil {
			s = &span{}
			spans[b.TrackNumber] = s
		}
		at := int64(cluster) + int64(b.Timecode)
		if s.seen == 0 || at >= s.last {
			s.prev, s.last, s.dur = s.last, at, int64(dur)
			s.seen++
		}
	}
	for _, c := range seg.Cluster {
		for _, b := range c.SimpleBlock {
			note(c.Timecode, b, 0)
		}
		for _, g := range c.BlockGroup {
			note(c.Timecode, g.Block, g.BlockDuration)
		}
	}
	var end time.Duration
	for track, s := range spans {
		ns := (s.last + s.dur) * int64(scale)
		switch {
		case s.dur > 0:
		case audio[track] > 0:
			// DefaultDuration is in nanoseconds, not ticks.
			ns += int64(audio[track])
		case s.seen > 1:
			ns += (s.last - s.prev) * int64(scale)
		}
		end = max(end, time.Duration(ns))
	}
	if end == 0 {
		return 0, errors.New("read WebM: no audio blocks")
	}
	return end, nil
}
