using System.Buffers;
using StreamHub.Hls.Ts;

namespace StreamHub.Tests.Hls.Ts;

/// <summary>Golden bytes; the PAT, PMT, PES and PCR values were captured from
/// <c>ffmpeg -f lavfi -i testsrc2 -f lavfi -i sine -c:v libx264 -bf 2 -c:a aac -f mpegts</c>.</summary>
public sealed class TsMuxerTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void Crc32_of_ffmpeg_pat_section()
    {
        Assert.Equal(0x2AB104B2u, Crc32Mpeg2.Compute(Hex("00 B0 0D 00 01 C1 00 00 00 01 F0 00")));
    }

    [Fact]
    public void Pat_and_pmt_match_ffmpeg()
    {
        var output = new ArrayBufferWriter<byte>();
        new TsMuxer(hasVideo: true, hasAudio: true).WriteTables(output);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(2 * 188, bytes.Length);
        var pat = Hex("47 40 00 10 00 00 B0 0D 00 01 C1 00 00 00 01 F0 00 2A B1 04 B2");
        var pmt = Hex("47 50 00 10 00 02 B0 17 00 01 C1 00 00 E1 00 F0 00 1B E1 00 F0 00 0F E1 01 F0 00 2F 44 B9 9B");
        Assert.Equal(pat, bytes[..pat.Length]);
        Assert.All(bytes[pat.Length..188], b => Assert.Equal(0xFF, b));
        Assert.Equal(pmt, bytes[188..(188 + pmt.Length)]);
        Assert.All(bytes[(188 + pmt.Length)..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Pmt_for_audio_only_puts_pcr_on_audio_pid()
    {
        var output = new ArrayBufferWriter<byte>();
        new TsMuxer(hasVideo: false, hasAudio: true).WriteTables(output);
        var pmt = output.WrittenSpan[188..].ToArray();
        var section = pmt[5..(5 + 3 + 0x12)];
        Assert.Equal(Hex("02 B0 12 00 01 C1 00 00 E1 01 F0 00 0F E1 01 F0 00"), section[..17]);
        var crc = Crc32Mpeg2.Compute(section[..17]);
        Assert.Equal(crc, (uint)(section[17] << 24 | section[18] << 16 | section[19] << 8 | section[20]));
    }

    [Fact]
    public void Pes_header_with_pts_and_dts_matches_ffmpeg()
    {
        var header = new byte[PesHeader.MaxSize];
        var length = PesHeader.Write(header, PesStreamId.Video, 0, pts: 133200, dts: 126000);
        Assert.Equal(19, length);
        Assert.Equal(Hex("00 00 01 E0 00 00 80 C0 0A 31 00 09 10 A1 11 00 07 D8 61"), header);
    }

    [Fact]
    public void Pes_header_with_pts_only_when_pts_equals_dts()
    {
        var header = new byte[PesHeader.MaxSize];
        var length = PesHeader.Write(header, PesStreamId.Audio, 100, pts: 126000, dts: 126000);
        Assert.Equal(14, length);
        // PES_packet_length = 3 + 5 + 100 = 108 = 0x6C
        Assert.Equal(Hex("00 00 01 C0 00 6C 80 80 05 21 00 07 D8 61"), header[..14]);
    }

    [Fact]
    public void Timestamps_wrap_at_33_bits()
    {
        var wrapped = new byte[5];
        var plain = new byte[5];
        PesHeader.WriteTimestamp(wrapped, 2, (1L << 33) + 126000);
        PesHeader.WriteTimestamp(plain, 2, 126000);
        Assert.Equal(plain, wrapped);
        PesHeader.WriteTimestamp(wrapped, 2, (1L << 33) - 1);
        Assert.Equal(Hex("2F FF FF FF FF"), wrapped);
    }

    [Fact]
    public void Pcr_encoding_matches_ffmpeg()
    {
        var pcr = new byte[6];
        Pcr.Write(pcr, 63000);
        Assert.Equal(Hex("00 00 7B 0C 7E 00"), pcr);
        Pcr.Write(pcr, (1L << 33) - 1);
        Assert.Equal(Hex("FF FF FF FF FE 00"), pcr);
    }

    [Fact]
    public void Keyframe_pes_starts_with_random_access_and_pcr_at_dts_minus_700ms()
    {
        var output = new ArrayBufferWriter<byte>();
        var muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        var accessUnit = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        muxer.WriteVideo(output, accessUnit, pts: 133200, dts: 126000, randomAccess: true);
        var first = output.WrittenSpan[..188].ToArray();
        // ffmpeg's first video packet: AF len 7, flags 50, PCR 0.7 s, then the PES header.
        Assert.Equal(Hex("47 41 00 30 07 50 00 00 7B 0C 7E 00 00 00 01 E0 00 00 80 C0 0A 31 00 09 10 A1 11 00 07 D8 61"), first[..31]);
        Assert.Equal(accessUnit[..(188 - 31)], first[31..]);
        AssertPayloadReassembles(output.WrittenSpan.ToArray(), 0x100, [.. Hex("00 00 01 E0 00 00 80 C0 0A 31 00 09 10 A1 11 00 07 D8 61"), .. accessUnit]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(183)]
    public void Last_packet_is_stuffed_through_the_adaptation_field(int spare)
    {
        // Audio in an A/V program: no adaptation field on the first packet. The PES (14-byte header + payload) fills
        // one full packet (184) and leaves `spare` bytes free in the second.
        var payloadLength = 2 * 184 - 14 - spare;
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7)).ToArray();
        var output = new ArrayBufferWriter<byte>();
        var muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        muxer.WriteAudio(output, [], payload, pts: 126000);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(2 * 188, bytes.Length);
        Assert.Equal(0x10, bytes[3] & 0x30); // first: payload only
        var last = bytes[188..];
        Assert.Equal(0x31, last[3]); // adaptation + payload, CC 1
        Assert.Equal(spare - 1, last[4]);
        if (spare >= 2)
        {
            Assert.Equal(0x00, last[5]);
            Assert.All(last[6..(4 + spare)], b => Assert.Equal(0xFF, b));
        }
        Assert.Equal(payload[^(184 - spare)..], last[(4 + spare)..]);
        // PES_packet_length is exact for audio.
        Assert.Equal(payloadLength + 8, bytes[8] << 8 | bytes[9]);
    }

    [Fact]
    public void Continuity_counters_run_per_pid_across_segments_and_only_on_payload_packets()
    {
        var muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        var expected = new Dictionary<int, int>();
        var audio = new byte[300];
        long time = 126000;
        for (var segment = 0; segment < 3; segment++)
        {
            var output = new ArrayBufferWriter<byte>();
            muxer.WriteTables(output);
            for (var frame = 0; frame < 10; frame++)
            {
                muxer.WriteVideo(output, new byte[500 + frame * 97], time + 3600, time, randomAccess: frame == 0);
                muxer.WriteAudio(output, [], audio, time);
                time += 3600;
            }
            for (var frame = 0; frame < 10; frame++)
            {
                muxer.WriteAudio(output, [], audio, time); // ~200 ms of audio only: PCR-only packets on the video PID
                time += 1920;
            }
            var bytes = output.WrittenSpan.ToArray();
            Assert.Equal(0, bytes.Length % 188);
            var pcrOnly = 0;
            for (var i = 0; i < bytes.Length; i += 188)
            {
                Assert.Equal(0x47, bytes[i]);
                var pid = (bytes[i + 1] & 0x1F) << 8 | bytes[i + 2];
                var hasPayload = (bytes[i + 3] & 0x10) != 0;
                var cc = bytes[i + 3] & 0x0F;
                if (!hasPayload)
                {
                    pcrOnly++;
                    Assert.Equal((expected[pid] + 15) % 16, cc); // repeats the last counter
                    continue;
                }
                var want = expected.GetValueOrDefault(pid, 0);
                Assert.Equal(want, cc);
                expected[pid] = (cc + 1) % 16;
            }
            Assert.True(pcrOnly >= 2, $"expected PCR-only packets in segment {segment}, saw {pcrOnly}");
        }
        Assert.Equal(3 % 16, expected[0]);
        Assert.Equal(3 % 16, expected[0x1000]);
    }

    [Fact]
    public void Muxing_allocates_nothing_per_packet()
    {
        var muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        var output = new ArrayBufferWriter<byte>(4 * 1024 * 1024);
        var accessUnit = new byte[50_000];
        var audio = new byte[400];
        var adts = new byte[7];
        void Run(int frames)
        {
            output.ResetWrittenCount();
            muxer.WriteTables(output);
            for (var i = 0; i < frames; i++)
            {
                muxer.WriteVideo(output, accessUnit, 200_000 + i * 3600, 190_000 + i * 3600, i == 0);
                muxer.WriteAudio(output, adts, audio, 190_000 + i * 3600);
            }
        }
        Run(50); // warm up
        // The fewest bytes over three runs: tiered JIT may finish recompiling the muxer during one run and allocate
        // on this thread while doing so; an allocation per packet would show in every run (~13,500 packets each).
        var allocated = long.MaxValue;
        for (var attempt = 0; attempt < 3 && allocated > 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Run(50);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(output.WrittenCount > 13_000 * 188);
        Assert.Equal(0, allocated);
    }

    private static void AssertPayloadReassembles(byte[] ts, int pid, byte[] expected)
    {
        var payload = new List<byte>();
        for (var i = 0; i < ts.Length; i += 188)
        {
            var packet = ts.AsSpan(i, 188);
            Assert.Equal(pid, (packet[1] & 0x1F) << 8 | packet[2]);
            var start = 4;
            if ((packet[3] & 0x20) != 0)
            {
                start += 1 + packet[4];
            }
            payload.AddRange(packet[start..].ToArray());
        }
        Assert.Equal(expected, payload.ToArray());
    }
}
