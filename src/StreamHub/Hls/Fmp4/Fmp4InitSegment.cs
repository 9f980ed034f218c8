using System.Buffers;
using StreamHub.Media;

namespace StreamHub.Hls.Fmp4;

/// <summary>Writes a CMAF header (init segment): <c>ftyp</c> and a <c>moov</c> with one <c>trak</c> per track and
/// <c>mvex</c>/<c>trex</c>, no samples. The layout follows ffmpeg's <c>-movflags cmaf+frag_keyframe</c> output box
/// for box, minus what a live server cannot know or does not need: no <c>udta</c> (encoder name), no <c>btrt</c>
/// (bitrates unknown up front), no <c>pasp</c> (square pixels are the default), no <c>fiel</c> (progressive is
/// what the codec configuration says anyway). Like ffmpeg's fragmented output there
/// is no <c>edts</c>: composition offsets in <c>trun</c> are signed (version 1), so the media timeline carries the
/// publisher's presentation times as they are and needs no edit list to start at the first frame.
/// <code>
/// ftyp iso6 (minor 0x200) [iso6 cmfc (av01) mp41]
/// moov
///   mvhd (timescale 1000, next_track_ID 3)
///   trak*  tkhd | mdia: mdhd (timescale), hdlr (vide|soun), minf: vmhd|smhd, dinf/dref/url, stbl: stsd (one sample
///          entry), stts stsc stsz stco (all empty)
///   mvex   trex* (default sample description 1, default flags)
/// </code></summary>
public static class Fmp4InitSegment
{
    private const uint MovieTimescale = 1000;

    /// <summary>Writes the init segment for a video track, an audio track, or both (at least one).</summary>
    public static void Write(IBufferWriter<byte> output, Fmp4Track? video, Fmp4Track? audio)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("An init segment needs at least one track.");
        }
        if (video is { Kind: not MediaKind.Video } || audio is { Kind: not MediaKind.Audio })
        {
            throw new ArgumentException("Tracks passed in the wrong slot.");
        }
        var capacity = 1024 + (video is null ? 0 : 512 + video.Configuration.Length) + (audio is null ? 0 : 512 + audio.Configuration.Length);
        var box = new BoxWriter(output.GetSpan(capacity));

        var ftyp = box.Start(BoxType.Ftyp);
        box.U32(Brand.Iso6);
        box.U32(0x200); // minor_version, as ffmpeg
        box.U32(Brand.Iso6);
        box.U32(Brand.Cmfc);
        if (video?.Codec == Fmp4Codec.Av1)
        {
            box.U32(Brand.Av01); // AV1-ISOBMFF §2.1: files with av01 tracks list the av01 brand
        }
        box.U32(Brand.Mp41);
        box.End(ftyp);

        var moov = box.Start(BoxType.Moov);
        WriteMovieHeader(ref box);
        if (video is not null)
        {
            WriteTrack(ref box, video);
        }
        if (audio is not null)
        {
            WriteTrack(ref box, audio);
        }
        var mvex = box.Start(BoxType.Mvex);
        if (video is not null)
        {
            WriteTrackExtends(ref box, video);
        }
        if (audio is not null)
        {
            WriteTrackExtends(ref box, audio);
        }
        box.End(mvex);
        box.End(moov);
        output.Advance(box.Length);
    }

    private static void WriteMovieHeader(ref BoxWriter box)
    {
        var mvhd = box.StartFull(BoxType.Mvhd, 0, 0);
        box.U32(0); // creation_time
        box.U32(0); // modification_time
        box.U32(MovieTimescale);
        box.U32(0); // duration: unknown (fragmented)
        box.U32(0x00010000); // rate 1.0
        box.U16(0x0100); // volume 1.0
        box.Zeros(2 + 8); // reserved
        box.UnityMatrix();
        box.Zeros(24); // pre_defined
        box.U32(Fmp4Track.AudioTrackId + 1); // next_track_ID
        box.End(mvhd);
    }

    private static void WriteTrack(ref BoxWriter box, Fmp4Track track)
    {
        var isVideo = track.Kind == MediaKind.Video;
        var trak = box.Start(BoxType.Trak);

        var tkhd = box.StartFull(BoxType.Tkhd, 0, 3); // track_enabled | track_in_movie
        box.U32(0); // creation_time
        box.U32(0); // modification_time
        box.U32(track.TrackId);
        box.U32(0); // reserved
        box.U32(0); // duration
        box.Zeros(8); // reserved
        box.U16(0); // layer
        box.U16(isVideo ? (ushort)0 : (ushort)1); // alternate_group, as ffmpeg
        box.U16(isVideo ? (ushort)0 : (ushort)0x0100); // volume
        box.U16(0); // reserved
        box.UnityMatrix();
        box.U32((uint)track.Width << 16); // width, 16.16
        box.U32((uint)track.Height << 16);
        box.End(tkhd);

        var mdia = box.Start(BoxType.Mdia);
        var mdhd = box.StartFull(BoxType.Mdhd, 0, 0);
        box.U32(0); // creation_time
        box.U32(0); // modification_time
        box.U32(track.Timescale);
        box.U32(0); // duration
        box.U16(0x55C4); // language "und", ISO-639-2/T packed 5 bits a letter
        box.U16(0); // pre_defined
        box.End(mdhd);

        var hdlr = box.StartFull(BoxType.Hdlr, 0, 0);
        box.U32(0); // pre_defined
        box.U32(isVideo ? Brand.Vide : Brand.Soun);
        box.Zeros(12); // reserved
        box.Bytes(isVideo ? "VideoHandler\0"u8 : "SoundHandler\0"u8);
        box.End(hdlr);

        var minf = box.Start(BoxType.Minf);
        if (isVideo)
        {
            var vmhd = box.StartFull(BoxType.Vmhd, 0, 1);
            box.Zeros(8); // graphicsmode, opcolor
            box.End(vmhd);
        }
        else
        {
            var smhd = box.StartFull(BoxType.Smhd, 0, 0);
            box.Zeros(4); // balance, reserved
            box.End(smhd);
        }
        var dinf = box.Start(BoxType.Dinf);
        var dref = box.StartFull(BoxType.Dref, 0, 0);
        box.U32(1); // entry_count
        var url = box.StartFull(BoxType.Url, 0, 1); // self-contained: the data is in this file
        box.End(url);
        box.End(dref);
        box.End(dinf);

        var stbl = box.Start(BoxType.Stbl);
        var stsd = box.StartFull(BoxType.Stsd, 0, 0);
        box.U32(1); // entry_count
        if (isVideo)
        {
            WriteVisualSampleEntry(ref box, track);
        }
        else
        {
            WriteAudioSampleEntry(ref box, track);
        }
        box.End(stsd);
        var stts = box.StartFull(BoxType.Stts, 0, 0);
        box.U32(0);
        box.End(stts);
        var stsc = box.StartFull(BoxType.Stsc, 0, 0);
        box.U32(0);
        box.End(stsc);
        var stsz = box.StartFull(BoxType.Stsz, 0, 0);
        box.U32(0); // sample_size
        box.U32(0); // sample_count
        box.End(stsz);
        var stco = box.StartFull(BoxType.Stco, 0, 0);
        box.U32(0);
        box.End(stco);
        box.End(stbl);

        box.End(minf);
        box.End(mdia);
        box.End(trak);
    }

    /// <summary>VisualSampleEntry (ISO/IEC 14496-12 §12.1.3) followed by the codec's configuration box.</summary>
    private static void WriteVisualSampleEntry(ref BoxWriter box, Fmp4Track track)
    {
        var (entryType, configType) = track.Codec switch
        {
            Fmp4Codec.Avc => (BoxType.Avc1, BoxType.AvcC),
            Fmp4Codec.Hevc => (BoxType.Hvc1, BoxType.HvcC),
            _ => (BoxType.Av01, BoxType.Av1C),
        };
        var entry = box.Start(entryType);
        box.Zeros(6); // reserved
        box.U16(1); // data_reference_index
        box.Zeros(16); // pre_defined, reserved, pre_defined[3]
        box.U16((ushort)track.Width);
        box.U16((ushort)track.Height);
        box.U32(0x00480000); // horizresolution 72 dpi
        box.U32(0x00480000); // vertresolution
        box.U32(0); // reserved
        box.U16(1); // frame_count
        box.Zeros(32); // compressorname: empty Pascal string
        box.U16(0x0018); // depth
        box.U16(0xFFFF); // pre_defined = -1
        var config = box.Start(configType);
        box.Bytes(track.Configuration);
        box.End(config);
        box.End(entry);
    }

    /// <summary>AudioSampleEntry (ISO/IEC 14496-12 §12.2.3) with an <c>esds</c> (ISO/IEC 14496-14 §5.6, descriptors
    /// of ISO/IEC 14496-1 §7.2.6) in ffmpeg's form: every descriptor length in four bytes.
    /// <code>
    /// ES_Descriptor(3) { u16 ES_ID | u8 flags 0
    ///   DecoderConfigDescriptor(4) { u8 objectType 0x40 (MPEG-4 audio) | u8 streamType 5 &lt;&lt; 2 | 1 | u24 bufferSizeDB
    ///     | u32 maxBitrate | u32 avgBitrate | DecoderSpecificInfo(5) { AudioSpecificConfig } }
    ///   SLConfigDescriptor(6) { u8 predefined 2 } }
    /// </code></summary>
    private static void WriteAudioSampleEntry(ref BoxWriter box, Fmp4Track track)
    {
        var entry = box.Start(BoxType.Mp4a);
        box.Zeros(6); // reserved
        box.U16(1); // data_reference_index
        box.Zeros(8); // reserved
        box.U16((ushort)track.Channels);
        box.U16(16); // samplesize
        box.U16(0); // pre_defined
        box.U16(0); // reserved
        box.U32(track.SampleRate <= ushort.MaxValue ? (uint)track.SampleRate << 16 : 0); // 16.16

        var esds = box.StartFull(BoxType.Esds, 0, 0);
        var config = track.Configuration.Length;
        const int DecoderConfigFixed = 13;
        var decoderSpecific = 5 + config;
        var decoderConfig = DecoderConfigFixed + decoderSpecific;
        const int SlConfig = 5 + 1;
        WriteDescriptorHeader(ref box, 0x03, 3 + 5 + decoderConfig + SlConfig);
        box.U16((ushort)track.TrackId); // ES_ID
        box.U8(0); // no dependency, URL or OCR stream
        WriteDescriptorHeader(ref box, 0x04, decoderConfig);
        box.U8(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
        box.U8(0x15); // streamType audio (5) << 2 | reserved 1
        box.U24(0); // bufferSizeDB
        box.U32(track.MaxBitrate);
        box.U32(track.AverageBitrate);
        WriteDescriptorHeader(ref box, 0x05, config);
        box.Bytes(track.Configuration);
        WriteDescriptorHeader(ref box, 0x06, 1);
        box.U8(0x02); // predefined: reserved for use in MP4 files
        box.End(esds);
        box.End(entry);
    }

    private static void WriteDescriptorHeader(ref BoxWriter box, byte tag, int length)
    {
        box.U8(tag);
        box.U8((byte)(0x80 | (length >> 21) & 0x7F));
        box.U8((byte)(0x80 | (length >> 14) & 0x7F));
        box.U8((byte)(0x80 | (length >> 7) & 0x7F));
        box.U8((byte)(length & 0x7F));
    }

    private static void WriteTrackExtends(ref BoxWriter box, Fmp4Track track)
    {
        var trex = box.StartFull(BoxType.Trex, 0, 0);
        box.U32(track.TrackId);
        box.U32(1); // default_sample_description_index
        box.U32(0); // default_sample_duration
        box.U32(0); // default_sample_size
        box.U32(0); // default_sample_flags: every fragment states its own (tfhd / trun), as ffmpeg's
        box.End(trex);
    }

    /// <summary>Four-character codes that are not box types.</summary>
    private static class Brand
    {
        public const uint Iso6 = 0x69736F36;
        public const uint Cmfc = 0x636D6663;
        public const uint Mp41 = 0x6D703431;
        public const uint Av01 = 0x61763031;
        public const uint Vide = 0x76696465;
        public const uint Soun = 0x736F756E;
    }
}
