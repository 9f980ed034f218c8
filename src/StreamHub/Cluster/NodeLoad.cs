namespace StreamHub.Cluster;

/// <summary>What a node reports with each heartbeat.</summary>
public readonly record struct NodeLoad(int Streams, int Viewers, double CpuPercent);
