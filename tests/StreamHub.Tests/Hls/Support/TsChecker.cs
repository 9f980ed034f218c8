using System.Buffers;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Checks MPEG-TS invariants over a stream's segments, independently of the muxer's code: every segment
/// opens with PAT then PMT; continuity counters run on across segments on payload packets; PCRs never go back, are at
/// most 100 ms apart and below every DTS that follows (a discontinuity may reset the clock); PTS ≥ DTS; a segment
/// that claims to be independent starts its video with a random-access PES.</summary>
public static class TsChecker
{
    public static void Check(IReadOnlyList<Segment> segments, bool video)
    {
        var continuity = new Dictionary<int, int>();
        long lastPcr = -1;
        foreach (var segment in segments)
        {
            var data = segment.Data.ToArray();
            Assert.True(data.Length % 188 == 0 && data.Length >= 3 * 188, $"segment {segment.Sequence}: {data.Length} bytes");
            Assert.Equal(0, Pid(data, 0));
            Assert.Equal(0x1000, Pid(data, 188));
            if (segment.Entry.Discontinuity)
            {
                lastPcr = -1;
            }
            var firstVideoPes = true;
            for (var offset = 0; offset < data.Length; offset += 188)
            {
                var packet = data.AsSpan(offset, 188);
                Assert.Equal(0x47, packet[0]);
                var pid = Pid(data, offset);
                var control = (packet[3] >> 4) & 3;
                var counter = packet[3] & 0x0F;
                if ((control & 1) != 0)
                {
                    if (continuity.TryGetValue(pid, out var previous))
                    {
                        Assert.True((previous + 1) % 16 == counter, $"CC jump on PID {pid:X} in segment {segment.Sequence}: {previous} -> {counter}");
                    }
                    continuity[pid] = counter;
                }
                var payload = 4;
                var randomAccess = false;
                if ((control & 2) != 0)
                {
                    var length = packet[4];
                    if (length > 0)
                    {
                        randomAccess = (packet[5] & 0x40) != 0;
                        if ((packet[5] & 0x10) != 0)
                        {
                            var pcr = (long)packet[6] << 25 | (long)packet[7] << 17 | (long)packet[8] << 9 | (long)packet[9] << 1 | (long)packet[10] >> 7;
                            if (lastPcr >= 0)
                            {
                                Assert.True(pcr >= lastPcr, $"PCR went back in segment {segment.Sequence}");
                                Assert.True(pcr - lastPcr <= 100 * 90, $"PCR gap {(pcr - lastPcr) / 90.0} ms in segment {segment.Sequence}");
                            }
                            lastPcr = pcr;
                        }
                    }
                    payload = 5 + length;
                }
                if ((packet[1] & 0x40) != 0 && pid is 0x100 or 0x101)
                {
                    var pes = packet[payload..];
                    Assert.True(pes[0] == 0 && pes[1] == 0 && pes[2] == 1, "PES start code");
                    var pts = Timestamp(pes[9..]);
                    var dts = (pes[7] & 0x40) != 0 ? Timestamp(pes[14..]) : pts;
                    Assert.True(pts >= dts, $"PTS {pts} < DTS {dts}");
                    Assert.True(lastPcr < 0 || dts > lastPcr, $"DTS {dts} not above PCR {lastPcr}");
                    if (pid == 0x100 && firstVideoPes)
                    {
                        firstVideoPes = false;
                        if (video && segment.Entry.Independent)
                        {
                            Assert.True(randomAccess, $"segment {segment.Sequence} claims independence but its first video PES is not random access");
                        }
                    }
                }
            }
        }
    }

    private static int Pid(byte[] data, int offset) => (data[offset + 1] & 0x1F) << 8 | data[offset + 2];

    private static long Timestamp(ReadOnlySpan<byte> b) =>
        (long)((b[0] >> 1) & 7) << 30 | (long)b[1] << 22 | (long)(b[2] >> 1) << 15 | (long)b[3] << 7 | (long)(b[4] >> 1);

    /// <summary>Every audio PES of the segments, in order: its PTS and the ADTS frames it carries.</summary>
    public static List<(long Pts, int Frames)> AudioPes(IEnumerable<Segment> segments)
    {
        var result = new List<(long Pts, int Frames)>();
        var pes = new List<byte>();
        void Finish()
        {
            if (pes.Count > 0)
            {
                var bytes = pes.ToArray();
                var headerLength = 9 + bytes[8];
                var frames = 0;
                for (var at = headerLength; at + 7 <= bytes.Length;)
                {
                    Assert.True(bytes[at] == 0xFF && (bytes[at + 1] & 0xF0) == 0xF0, $"ADTS sync at {at}");
                    var length = (bytes[at + 3] & 3) << 11 | bytes[at + 4] << 3 | bytes[at + 5] >> 5;
                    at += length;
                    frames++;
                }
                result.Add((Timestamp(bytes.AsSpan(9)), frames));
                pes.Clear();
            }
        }
        foreach (var segment in segments)
        {
            var data = segment.Data.ToArray();
            for (var offset = 0; offset < data.Length; offset += 188)
            {
                if (Pid(data, offset) != 0x101)
                {
                    continue;
                }
                var packet = data.AsSpan(offset, 188);
                var control = (packet[3] >> 4) & 3;
                if ((control & 1) == 0)
                {
                    continue;
                }
                var payload = (control & 2) != 0 ? 5 + packet[4] : 4;
                if ((packet[1] & 0x40) != 0)
                {
                    Finish();
                }
                pes.AddRange(packet[payload..].ToArray());
            }
        }
        Finish();
        return result;
    }
}
