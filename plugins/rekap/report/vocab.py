"""The report format's vocabulary (report-format.md): sheets, columns, enumerations.

One home for every label a district sees in its workbook, so the template, the reader,
the validation suites and the feedback all speak the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of record, in the order they appear in the workbook.
PLENO = "pleno"
PENCEGAHAN = "pencegahan"
KELEMBAGAAN = "kelembagaan"
RECORD_KINDS = (PLENO, PENCEGAHAN, KELEMBAGAAN)

SHEET_IDENTITAS = "Identitas"
SHEET_NAMES = {PLENO: "Pleno", PENCEGAHAN: "Pencegahan", KELEMBAGAAN: "Kelembagaan"}
SHEET_PETUNJUK = "Petunjuk"
# The template's greyed example row says this in its first cell; one constant for the template
# that writes it and the reader that recognises it.
EXAMPLE_MARKER = "Contoh"

# Field types: how a cell is read.
TEXT = "text"
DATE = "date"
INTEGER = "integer"
PERCENT = "percent"
ENUM = "enum"
PRESENCE = "presence"  # a link / reference / "Ada"; "Tidak" or "-" mean none


@dataclass(frozen=True)
class Field:
    """One column of a sheet, and where it lives in the warehouse.

    A record table stores, per field, the READING of its cell in ``column`` (the typed value;
    NULL when the cell is empty, ``-``, unreadable or set aside by a rule, i.e. exactly when it
    does not count as filled); a presence field also keeps what the district wrote (the link)
    in ``column`` and its reading (1 present, 0 ``Tidak``) in ``<column>_present``; a ``keyed``
    text field also stores ``<column>_key`` (normalised) to count the same record once.

    Adding a report column: (1) its Field here, (2) a migration adding its warehouse column(s)
    to the record table, (3) the staging SQL (``sql/stg_<kind>.sql``: its line in the filled-cell
    count, and whatever a metric derives from it). The loader inserts by these names.
    """

    name: str  # snake_case name used in code and frames
    label: str  # the column header in the workbook
    type: str
    required: bool = True
    aliases: tuple[str, ...] = ()  # other headers districts use for the same column
    hint: str = ""  # shown in the template and in messages: what is expected
    need: str = ""  # what a required field takes, in "<label> wajib diisi: <need>." (validation)
    column: str = ""  # warehouse column of the record table; defaults to ``name``
    keyed: bool = False  # part of what identifies a record for counting it once
    # A required field that may be left empty (or "-") when another field of the row holds one
    # of some values: (that field's name, the values). Such a cell counts as filled; the loader
    # stores 1 in ``<column>_na`` (na_column) so the staging SQL counts it, GX skips its
    # "wajib diisi" rule on such rows (both ask rekap.report.model.Record.not_applicable).
    not_applicable_when: tuple[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.name)

    @property
    def reading_column(self) -> str:
        """The column whose NULL means "not filled" (the staging SQL counts filled cells by it)."""
        return f"{self.column}_present" if self.type == PRESENCE else self.column

    @property
    def na_column(self) -> str:
        """The column holding 1 when the cell is empty but not applicable (see not_applicable_when)."""
        return f"{self.column}_na"


PLENO_TYPES = ("Rutin", "Khusus")
ACTIVITY_TYPES = (
    "Sosialisasi",
    "Imbauan",
    "Koordinasi",
    "Patroli Pengawasan",
    "Pendidikan Pengawas Partisipatif",
    "Literasi Demokrasi",
    "Kampung/Pojok Pengawasan",
    "Publikasi",
    "Identifikasi Kerawanan",
    "Saran Perbaikan",
    "Kerja Sama",
    "Naskah Dinas",
    "Partisipasi Masyarakat",
    "Lainnya",
)
# A letter, an appeal, a publication: Jumlah Peserta does not apply (report-format.md), so an
# empty or "-" cell counts as filled and adds no participants. The one list of them.
NO_PARTICIPANTS_ACTIVITIES = ("Imbauan", "Publikasi", "Naskah Dinas", "Saran Perbaikan")
# Tahapan: "Non Tahapan", or the election stage the activity supervised (free text).
NON_STAGE = "Non Tahapan"
ASPECTS = (
    "Akuntabilitas Keuangan",
    "Pelayanan Informasi Hukum dan PPID",
    "Hubungan dan Eksistensi Kelembagaan",
    "Pengolahan Data",
    "Literasi Demokrasi",
    "Tata Kelola dan Manajemen Kelembagaan",
    "Modernisasi Birokrasi",
    "Kinerja Kelembagaan",
)

# Obvious variants, keyed by their normalised form (see cells.normalise_key).
ENUM_VARIANTS: dict[str, dict[str, str]] = {
    "pleno_type": {
        "rutin mingguan": "Rutin",
        "pleno rutin": "Rutin",
        "mingguan": "Rutin",
        "rutin (mingguan)": "Rutin",
        "pleno khusus": "Khusus",
        "insidentil": "Khusus",
        "insidental": "Khusus",
    },
    "activity_type": {
        "p2p": "Pendidikan Pengawas Partisipatif",
        "sekolah kader pengawasan partisipatif": "Pendidikan Pengawas Partisipatif",
        "skpp": "Pendidikan Pengawas Partisipatif",
        "patroli": "Patroli Pengawasan",
        "patroli pengawasan pemilu": "Patroli Pengawasan",
        "himbauan": "Imbauan",
        "surat imbauan": "Imbauan",
        "kampung pengawasan": "Kampung/Pojok Pengawasan",
        "pojok pengawasan": "Kampung/Pojok Pengawasan",
        "kampung / pojok pengawasan": "Kampung/Pojok Pengawasan",
        "kampung atau pojok pengawasan": "Kampung/Pojok Pengawasan",
        "kerjasama": "Kerja Sama",
        "mou": "Kerja Sama",
        "lain-lain": "Lainnya",
        "lain lain": "Lainnya",
        "lainnya": "Lainnya",
        "koordinasi lembaga": "Koordinasi",
        "rapat koordinasi": "Koordinasi",
        "rakor": "Koordinasi",
        "ikp": "Identifikasi Kerawanan",
        "pemetaan kerawanan": "Identifikasi Kerawanan",
        "identifikasi kerawanan pemilu": "Identifikasi Kerawanan",
        "saran perbaikan administrasi": "Saran Perbaikan",
        "publikasi media": "Publikasi",
        "sosialisasi pengawasan": "Sosialisasi",
        "surat dinas": "Naskah Dinas",
        "nota dinas": "Naskah Dinas",
        "partisipasi": "Partisipasi Masyarakat",
        "pengawasan partisipatif masyarakat": "Partisipasi Masyarakat",
    },
    "aspect": {
        "ppid": "Pelayanan Informasi Hukum dan PPID",
        "pelayanan informasi hukum & ppid": "Pelayanan Informasi Hukum dan PPID",
        "hubungan & eksistensi kelembagaan": "Hubungan dan Eksistensi Kelembagaan",
        "tata kelola & manajemen kelembagaan": "Tata Kelola dan Manajemen Kelembagaan",
    },
}
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "pleno_type": PLENO_TYPES,
    "activity_type": ACTIVITY_TYPES,
    "aspect": ASPECTS,
}

SHEET_FIELDS: dict[str, tuple[Field, ...]] = {
    PLENO: (
        Field("no", "No", TEXT, required=False, aliases=("nomor", "no urut"), column="seq_no"),
        Field(
            "date",
            "Tanggal",
            DATE,
            aliases=("tanggal pleno", "tanggal rapat", "tgl"),
            hint="tanggal (dd/mm/yyyy)",
            need="tanggal kegiatan dalam format dd/mm/yyyy",
            column="meeting_date",
        ),
        Field(
            "pleno_type",
            "Jenis Pleno",
            ENUM,
            aliases=("jenis", "jenis rapat pleno"),
            hint="Rutin atau Khusus",
            need="Rutin atau Khusus",
        ),
        Field(
            "minutes_number",
            "Nomor Berita Acara",
            TEXT,
            aliases=(
                "no berita acara",
                "nomor ba",
                "no ba",
                "no. berita acara",
                "nomor berita acara pleno",
            ),
            hint="nomor berita acara",
            need="nomor berita acara rapat pleno",
            keyed=True,
        ),
        Field(
            "attendance",
            "Jumlah Hadir",
            INTEGER,
            aliases=("hadir", "jumlah anggota hadir", "jml hadir", "kehadiran"),
            hint="bilangan bulat 0 sampai Jumlah Anggota",
            need="bilangan bulat 0 atau lebih",
        ),
        Field(
            "agenda",
            "Agenda",
            TEXT,
            aliases=("agenda pleno", "acara"),
            need="agenda rapat pleno",
        ),
        Field(
            "decision",
            "Keputusan",
            TEXT,
            aliases=("hasil keputusan", "hasil pleno", "keputusan pleno"),
            need="keputusan rapat pleno",
        ),
        Field(
            "minutes",
            "Notulen",
            PRESENCE,
            aliases=("notula", "link notulen", "notulensi"),
            hint="tautan/nomor dokumen notulen, atau Ada; Tidak bila tidak ada",
            need="tautan/nomor dokumen notulen, Ada, atau Tidak",
        ),
        Field("remarks", "Keterangan", TEXT, required=False, aliases=("ket", "catatan")),
    ),
    PENCEGAHAN: (
        Field("no", "No", TEXT, required=False, aliases=("nomor", "no urut"), column="seq_no"),
        Field(
            "date",
            "Tanggal",
            DATE,
            aliases=("tanggal kegiatan", "tgl", "waktu"),
            hint="tanggal (dd/mm/yyyy)",
            need="tanggal kegiatan dalam format dd/mm/yyyy",
            column="activity_date",
        ),
        Field(
            "activity_type",
            "Jenis Kegiatan",
            ENUM,
            aliases=("jenis", "bentuk kegiatan"),
            hint="pilih dari daftar Jenis Kegiatan",
            need="pilih dari daftar Jenis Kegiatan",
        ),
        Field(
            "stage",
            "Tahapan",
            TEXT,
            required=False,
            aliases=("tahapan pemilu", "tahapan pemilihan", "tahapan yang diawasi"),
            hint=f"{NON_STAGE}, atau tahapan yang diawasi",
        ),
        Field(
            "activity_name",
            "Nama Kegiatan",
            TEXT,
            aliases=("kegiatan", "judul kegiatan", "uraian kegiatan"),
            need="nama kegiatan",
            keyed=True,
        ),
        Field(
            "location",
            "Lokasi",
            TEXT,
            aliases=("tempat", "lokasi kegiatan", "kecamatan"),
            need="kecamatan atau tempat kegiatan",
            keyed=True,
        ),
        Field(
            "target_group",
            "Sasaran",
            TEXT,
            aliases=("sasaran kegiatan", "peserta sasaran"),
            need="kelompok sasaran kegiatan",
        ),
        Field(
            "participants",
            "Jumlah Peserta",
            INTEGER,
            aliases=("peserta", "jml peserta"),
            hint="bilangan bulat 0 atau lebih; boleh kosong atau - untuk "
            + ", ".join(NO_PARTICIPANTS_ACTIVITIES),
            need="bilangan bulat 0 atau lebih (boleh kosong atau - hanya untuk "
            + ", ".join(NO_PARTICIPANTS_ACTIVITIES)
            + ")",
            not_applicable_when=("activity_type", NO_PARTICIPANTS_ACTIVITIES),
        ),
        Field(
            "result",
            "Hasil",
            TEXT,
            aliases=("output", "hasil kegiatan"),
            need="hasil atau output kegiatan",
        ),
        Field(
            "evidence",
            "Bukti Dukung",
            PRESENCE,
            aliases=("bukti", "link bukti dukung", "dokumentasi"),
            hint="tautan/nomor dokumen bukti; Tidak bila tidak ada",
            need="tautan/nomor dokumen bukti, atau Tidak",
        ),
        Field("remarks", "Keterangan", TEXT, required=False, aliases=("ket", "catatan")),
    ),
    KELEMBAGAAN: (
        Field(
            "aspect",
            "Aspek",
            ENUM,
            aliases=("aspek penguatan", "aspek kelembagaan"),
            hint="salah satu dari 8 aspek",
            need="salah satu dari 8 aspek penguatan kelembagaan",
        ),
        Field(
            "program",
            "Program",
            TEXT,
            aliases=("nama program", "program kegiatan"),
            need="nama program",
            keyed=True,
        ),
        Field(
            "target",
            "Target",
            TEXT,
            aliases=("sasaran",),
            need="target program",
        ),
        Field(
            "progress",
            "Capaian (%)",
            PERCENT,
            aliases=("capaian", "persentase capaian", "realisasi"),
            hint="angka 0 sampai 100",
            need="angka 0 sampai 100",
        ),
        Field(
            "output",
            "Output",
            TEXT,
            aliases=("keluaran",),
            need="output program",
        ),
        Field(
            "evidence",
            "Bukti Dukung",
            PRESENCE,
            aliases=("bukti", "link bukti dukung", "dokumentasi"),
            hint="tautan/nomor dokumen bukti; Tidak bila tidak ada",
            need="tautan/nomor dokumen bukti, atau Tidak",
        ),
    ),
}

# The keys of the Identitas sheet: name -> (label, required, aliases)
IDENTITY_FIELDS: tuple[Field, ...] = (
    Field("district_code", "Kode Kab/Kota", TEXT, aliases=("kode kabupaten/kota", "kode kab", "kode")),
    Field(
        "district_name",
        "Nama Kab/Kota",
        TEXT,
        required=False,
        aliases=("nama kabupaten/kota", "kabupaten/kota", "nama kab"),
    ),
    Field("month", "Bulan", TEXT, aliases=("bulan laporan",)),
    Field("year", "Tahun", INTEGER, aliases=("tahun laporan",)),
    Field("members", "Jumlah Anggota", INTEGER, aliases=("jumlah anggota bawaslu", "jumlah pimpinan")),
    Field("prepared_by", "Disusun Oleh", TEXT, required=False, aliases=("penyusun", "dibuat oleh")),
    Field("report_date", "Tanggal Laporan", DATE, required=False, aliases=("tanggal",)),
)

MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTH_ABBREVIATIONS = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "mei": 5,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "agust": 8,
    "ags": 8,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
    "dec": 12,
}
DAY_NAMES = ("senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad")

# Values of a presence column that mean "none" (Notulen, Bukti Dukung).
ABSENT_WORDS = ("tidak", "tidak ada", "tdk", "tdk ada", "belum ada", "nihil")
EMPTY_MARKERS = ("-", "--", "—", "–")


def required_fields(kind: str) -> tuple[Field, ...]:
    return tuple(f for f in SHEET_FIELDS[kind] if f.required)


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]
