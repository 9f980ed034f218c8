namespace StreamHub.Tests.Hls.Support;

/// <summary>Reads the PES packets out of MPEG-TS bytes (ISO/IEC 13818-1), independently of StreamHub's muxer: the
/// PAT gives the PMT's PID, the PMT gives each elementary stream's PID and type, and each PES packet is gathered from
/// the payload-unit-start packet of its PID up to the next one. Also the NAL unit types of an Annex B access unit.</summary>
public static class TsPesReader
{
    private const int PacketSize = 188;

    public static List<PesUnit> Read(ReadOnlySpan<byte> ts)
    {
        if (ts.Length % PacketSize != 0)
        {
            throw new FormatException($"{ts.Length} bytes is not a whole number of 188-byte TS packets.");
        }
        var pmtPid = -1;
        var streamTypes = new Dictionary<int, byte>();
        var open = new Dictionary<int, (List<byte> Bytes, bool Started)>();
        var units = new List<PesUnit>();
        for (var offset = 0; offset < ts.Length; offset += PacketSize)
        {
            var packet = ts.Slice(offset, PacketSize);
            if (packet[0] != 0x47)
            {
                throw new FormatException($"No sync byte at offset {offset}.");
            }
            var start = (packet[1] & 0x40) != 0;
            var pid = (packet[1] & 0x1F) << 8 | packet[2];
            var control = (packet[3] >> 4) & 3;
            if ((control & 1) == 0)
            {
                continue;
            }
            var payloadStart = (control & 2) != 0 ? 5 + packet[4] : 4;
            if (payloadStart >= PacketSize)
            {
                continue;
            }
            var payload = packet[payloadStart..];
            if (pid == 0 && start)
            {
                var section = payload[(1 + payload[0])..];
                pmtPid = (section[10] & 0x1F) << 8 | section[11]; // first program after the 8-byte section header
            }
            else if (pid == pmtPid && start)
            {
                ReadPmt(payload[(1 + payload[0])..], streamTypes);
            }
            else if (streamTypes.ContainsKey(pid))
            {
                if (start)
                {
                    Close(pid, open, streamTypes, units);
                    open[pid] = (new List<byte>(payload.ToArray()), true);
                }
                else if (open.TryGetValue(pid, out var pes))
                {
                    pes.Bytes.AddRange(payload.ToArray());
                }
            }
        }
        foreach (var pid in open.Keys.ToList())
        {
            Close(pid, open, streamTypes, units);
        }
        return units;
    }

    private static void ReadPmt(ReadOnlySpan<byte> section, Dictionary<int, byte> streamTypes)
    {
        var sectionLength = (section[1] & 0x0F) << 8 | section[2];
        var programInfoLength = (section[10] & 0x0F) << 8 | section[11];
        var end = 3 + sectionLength - 4; // before the CRC
        for (var i = 12 + programInfoLength; i + 5 <= end;)
        {
            var pid = (section[i + 1] & 0x1F) << 8 | section[i + 2];
            streamTypes[pid] = section[i];
            i += 5 + ((section[i + 3] & 0x0F) << 8 | section[i + 4]);
        }
    }

    private static void Close(int pid, Dictionary<int, (List<byte> Bytes, bool Started)> open, Dictionary<int, byte> streamTypes, List<PesUnit> units)
    {
        if (!open.Remove(pid, out var pes))
        {
            return;
        }
        var bytes = pes.Bytes.ToArray();
        if (bytes.Length < 9 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 1)
        {
            throw new FormatException($"PID 0x{pid:X}: a PES packet without a start code.");
        }
        var flags = bytes[7];
        var headerEnd = 9 + bytes[8];
        var pts = (flags & 0x80) != 0 ? Timestamp(bytes.AsSpan(9)) : -1;
        var dts = (flags & 0x40) != 0 ? Timestamp(bytes.AsSpan(14)) : pts;
        units.Add(new PesUnit(pid, streamTypes[pid], pts, dts, bytes[headerEnd..]));
    }

    private static long Timestamp(ReadOnlySpan<byte> b) =>
        (long)((b[0] >> 1) & 7) << 30 | (long)b[1] << 22 | (long)(b[2] >> 1) << 15 | (long)b[3] << 7 | (long)(b[4] >> 1);

    /// <summary>The NAL unit types of an Annex B access unit, in order (7 SPS, 8 PPS, 5 IDR slice, 1 other slice,
    /// 9 access unit delimiter, 6 SEI).</summary>
    public static List<int> NalUnitTypes(ReadOnlySpan<byte> annexB)
    {
        var types = new List<int>();
        for (var i = 0; i + 3 < annexB.Length; i++)
        {
            if (annexB[i] == 0 && annexB[i + 1] == 0 && annexB[i + 2] == 1)
            {
                types.Add(annexB[i + 3] & 0x1F);
                i += 3;
            }
        }
        return types;
    }
}
