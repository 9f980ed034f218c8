using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Cluster membership (one heartbeat row per node) and stream placement (which node holds each live name).
/// Used on PostgreSQL, where several nodes share the database; created on SQLite too, where they stay empty, so both
/// providers keep one migration history and one model (the schema tests compare them on both).</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261205000000_ClusterPlacement")]
public sealed class ClusterPlacement : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "cluster_nodes",
            columns: table => new
            {
                id = table.Column<string>(maxLength: 64, nullable: false),
                public_urls = table.Column<string>(maxLength: 1024, nullable: false),
                started_at = table.Column<DateTimeOffset>(nullable: false),
                last_heartbeat = table.Column<DateTimeOffset>(nullable: false),
                streams = table.Column<int>(nullable: false),
                viewers = table.Column<int>(nullable: false),
                cpu_percent = table.Column<double>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_cluster_nodes", x => x.id));

        migrationBuilder.CreateTable(
            name: "stream_placements",
            columns: table => new
            {
                name = table.Column<string>(maxLength: 64, nullable: false),
                node_id = table.Column<string>(maxLength: 64, nullable: false),
                since = table.Column<DateTimeOffset>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_stream_placements", x => x.name));

        migrationBuilder.CreateIndex(name: "ix_stream_placements_node_id", table: "stream_placements", column: "node_id");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "stream_placements");
        migrationBuilder.DropTable(name: "cluster_nodes");
    }
}
