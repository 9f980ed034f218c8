namespace StreamHub.Hls.Segmenting;

/// <summary>Rendered playlist text up to the last finished segment.</summary>
/// <param name="Bytes">UTF-8.</param>
/// <param name="Map">The init segment the last EXT-X-MAP in it names (0: none): the segment being written repeats
/// EXT-X-MAP only when its own differs.</param>
internal sealed record PlaylistText(byte[] Bytes, int Map);
