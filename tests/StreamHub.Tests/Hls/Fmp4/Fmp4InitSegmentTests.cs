using System.Buffers;
using StreamHub.Hls.Fmp4;
using StreamHub.Media;

namespace StreamHub.Tests.Hls.Fmp4;

public sealed class Fmp4InitSegmentTests
{
    // AV1CodecConfigurationRecord: marker 1 version 1 | profile 0 level 8 | tier 0 high_bitdepth 0 twelve_bit 0
    // monochrome 0 subsampling_x 1 subsampling_y 1 position 0 | reserved 0 delay_present 0 | configOBUs: the
    // sequence header OBU SVT-AV1 wrote for a 320x240 clip.
    private static readonly byte[] Av1Record = Convert.FromHexString("81080C00" + "0A0B000000043CFFBC02F80040");

    private static byte[] Init(Fmp4Track? video, Fmp4Track? audio)
    {
        var output = new ArrayBufferWriter<byte>();
        Fmp4InitSegment.Write(output, video, audio);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Av01_sample_entry_carries_the_record_as_av1C_and_the_size_from_its_sequence_header()
    {
        Assert.True(Fmp4Track.TryCreateAv1(Av1Record, out var track));
        var file = Fmp4File.Read(Init(track, null));
        var ftyp = file.Boxes[0];
        Assert.Equal("ftyp", ftyp.Type);
        Assert.Equal("iso6\0\0\u0002\0iso6cmfcav01mp41", System.Text.Encoding.Latin1.GetString(ftyp.Body));

        var av01 = file.Trak(1).Find("av01");
        Assert.Equal(8 + 78 + 8 + Av1Record.Length, av01.Size);
        Assert.Equal(1, av01.U16(6)); // data_reference_index
        Assert.Equal(320, av01.U16(24));
        Assert.Equal(240, av01.U16(26));
        Assert.Equal(0x00480000u, av01.U32(28));
        Assert.Equal(1, av01.U16(40)); // frame_count
        Assert.Equal(0x0018, av01.U16(74)); // depth
        Assert.Equal(0xFFFF, av01.U16(76));
        var av1C = Assert.Single(av01.Children);
        Assert.Equal("av1C", av1C.Type);
        Assert.Equal(Av1Record, av1C.BodyBytes);
        Assert.Equal(90000u, file.Trak(1).Find("mdhd").U32(12));
        Assert.Equal("vide", System.Text.Encoding.ASCII.GetString(file.Trak(1).Find("hdlr").Body.Slice(8, 4)));
    }

    [Fact]
    public void Audio_only_init_has_one_track_with_id_2_and_its_sample_rate_as_timescale()
    {
        Assert.True(Fmp4Track.TryCreateAac([0x11, 0x90], out var aac)); // AAC LC, 48 kHz, stereo
        var file = Fmp4File.Read(Init(null, aac));
        Assert.Equal("ftyp\nmoov\n  mvhd\n  trak\n    tkhd\n    mdia\n      mdhd\n      hdlr\n      minf\n        smhd\n        dinf\n          dref\n            url \n        stbl\n          stsd\n            mp4a\n              esds\n          stts\n          stsc\n          stsz\n          stco\n  mvex\n    trex\n",
            Mp4Box.Tree(file.Boxes).Replace("\r", ""));
        Assert.Equal(2u, file.Trak(2).Child("tkhd").U32(12));
        Assert.Equal(48000u, file.Trak(2).Find("mdhd").U32(12));
        var mp4a = file.Trak(2).Find("mp4a");
        Assert.Equal(2, mp4a.U16(16)); // channelcount
        Assert.Equal(48000u << 16, mp4a.U32(24));
        Assert.Equal(Convert.FromHexString("00000000" + "0380808022" + "000200" + "0480808014" + "4015000000" + "00000000" + "00000000"
            + "0580808002" + "1190" + "0680808001" + "02"), file.Trak(2).Find("esds").BodyBytes);
    }

    [Fact]
    public void Hevc_track_takes_the_record_as_is()
    {
        var record = new byte[23 + 5];
        record[0] = 1;
        record[^1] = 0x42;
        Assert.True(Fmp4Track.TryCreateHevc(record, out var track, 1920, 1080));
        var file = Fmp4File.Read(Init(track, null));
        Assert.Equal(record, file.Trak(1).Find("hvcC").BodyBytes);
        Assert.Equal(1920u << 16, file.Trak(1).Child("tkhd").U32(76));
        Assert.Equal(1080u << 16, file.Trak(1).Child("tkhd").U32(80));
    }

    [Fact]
    public void Unusable_sequence_headers_make_no_track()
    {
        Assert.False(Fmp4Track.TryCreateAvc([1, 0x64, 0, 0x1F], out _)); // truncated avcC
        Assert.False(Fmp4Track.TryCreateHevc(new byte[22], out _, 1920, 1080)); // shorter than the fixed part
        Assert.False(Fmp4Track.TryCreateHevc(new byte[23], out _, 1920, 1080)); // configurationVersion 0
        var hevc = new byte[23];
        hevc[0] = 1;
        Assert.False(Fmp4Track.TryCreateHevc(hevc, out _)); // no size given, no SPS to read it from
        Assert.False(Fmp4Track.TryCreateAv1([0x01, 0, 0, 0], out _, 320, 240)); // marker bit clear
        Assert.False(Fmp4Track.TryCreateAac([0x00, 0x00], out _)); // object type 0
        var audioAsVideo = MediaFrame.Create([0x11, 0x90], MediaKind.Video, MediaFrameKind.SequenceHeader, 0, videoCodec: VideoCodec.Vp9);
        Assert.False(Fmp4Track.TryCreate(audioAsVideo, out _, 320, 240));
        var coded = MediaFrame.Create([0x11, 0x90], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Aac);
        Assert.False(Fmp4Track.TryCreate(coded, out _));
    }
}
