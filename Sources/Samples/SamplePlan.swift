/// The modalities a sample study can have; raw values are DICOM Modality codes.
public enum SampleModality: String, Sendable, Codable, CaseIterable {
    case dx = "DX", cr = "CR", ct = "CT", mr = "MR"

    var isRadiograph: Bool { self == .dx || self == .cr }
}

/// How a study's files are encoded on disk.
public enum SampleEncoding: String, Sendable, Codable {
    case explicitLittle = "explicit-vr-little-endian"
    case implicitLittle = "implicit-vr-little-endian"
    case rle = "rle-lossless"
    case jpegLosslessSV1 = "jpeg-lossless-sv1"
    case jpegLossless = "jpeg-lossless"
    case jpegLS = "jpeg-ls-lossless"
    case jpegLSNearLossless = "jpeg-ls-near-lossless"
    case jpeg2000Lossless = "jpeg2000-lossless"
    case jpeg2000 = "jpeg2000"

    /// What `--compressed` cycles through: each encapsulated syntax Sluice decodes and can write.
    static let compressed: [SampleEncoding] = [
        .jpegLosslessSV1, .jpegLossless, .jpegLS, .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000, .rle,
    ]
    var isLossy: Bool { self == .jpegLSNearLossless || self == .jpeg2000 }
}

/// The three batch flavours the sites cycle through.
enum SiteFlavor: Int {
    case folder = 0, zip = 1, orders = 2
}

/// One site's batch as planned before anything is written.
struct PlannedSite {
    var index: Int
    var letter: String
    var flavor: SiteFlavor
    var date: String
    var batchName: String
    var studies: [PlannedStudy]
}

/// One study (one series) as planned; every value is a pure function of (seed, site, study).
struct PlannedStudy {
    var site: Int
    var siteLetter: String
    var number: Int  // 1-based within the site
    var key: UInt64
    var modality: SampleModality
    var encoding: SampleEncoding
    var monochrome1: Bool
    var patientID: String
    var patientName: String
    var birthDate: String
    var sex: String
    var accession: String
    var studyDate: String
    var studyTime: String
    var studyUID: String
    var seriesUID: String
    var frameOfReferenceUID: String
    var folder: String  // relative to the batch
    var size: Int
    var spacing: Double
    var slices: Int  // 1 for radiographs
    var sliceThickness: Double
    var missingSlice: Int?  // 0-based index left out on purpose
    var anatomy: ChestAnatomy
    var nodules: [Nodule]

    var instanceIndices: [Int] { (0..<slices).filter { $0 != missingSlice } }

    func sliceZ(_ index: Int) -> Double { (Double(index) - Double(slices - 1) / 2) * sliceThickness }

    func sopInstanceUID(_ index: Int, seed: UInt64) -> String {
        SampleUID.make(seed: seed, ["site", siteLetter, "study", String(number), "instance", String(index)], purpose: "sop-instance")
    }

    func fileName(_ index: Int, flavor: SiteFlavor) -> String {
        let n = index + 1
        switch flavor {
        case .folder: return "\(folder)/IMG\(pad(n, 4)).dcm"
        case .zip: return "\(folder)/IM\(pad(n, 5))"
        case .orders: return "\(folder)/\(pad(n, 4)).dcm"
        }
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Turns options into a plan: which sites, studies, patients, phantoms and nodules.
enum SamplePlanner {
    static let fixedModalities: [SampleModality] = [.dx, .ct, .cr, .mr]

    static func plan(_ options: SampleOptions) -> [PlannedSite] {
        (0..<options.sites).map { site(index: $0, options: options) }
    }

    static func site(index: Int, options: SampleOptions) -> PlannedSite {
        let letter = String(UnicodeScalar(UInt8(65 + index)))
        let flavor = SiteFlavor(rawValue: index % 3)!
        let date = SampleDate.adding(days: index, to: (2025, 1, 10))
        let dashed = "\(date.prefix(4))-\(date.dropFirst(4).prefix(2))-\(date.suffix(2))"
        let base = "site-\(letter.lowercased())-\(dashed)"
        let studies = (0..<options.studiesPerSite).map {
            study(site: index, letter: letter, flavor: flavor, number: $0 + 1, date: date, options: options)
        }
        return PlannedSite(
            index: index, letter: letter, flavor: flavor, date: date,
            batchName: flavor == .zip ? base + ".zip" : base, studies: studies)
    }

    static func study(
        site: Int, letter: String, flavor: SiteFlavor, number: Int, date: String, options: SampleOptions
    ) -> PlannedStudy {
        let seed = options.seed
        let key = SplitMix64.key(seed, UInt64(site), UInt64(number))
        var rng = SampleRandom(seed: key)
        let j = number - 1
        let modality: SampleModality
        let hasFinding: Bool
        if let allowed = options.modalities, !allowed.isEmpty {
            modality = j < allowed.count ? allowed[j] : allowed[rng.int(0...(allowed.count - 1))]
            hasFinding = j < 4 ? (site + j) % 2 == 0 : rng.chance(0.5)
        } else if j < fixedModalities.count {
            modality = fixedModalities[j]
            hasFinding = (site + j) % 2 == 0
        } else {
            let u = rng.unit()
            modality = u < 0.4 ? .dx : u < 0.7 ? .cr : u < 0.9 ? .ct : .mr
            hasFinding = rng.chance(0.5)
        }
        var encoding = SampleEncoding.explicitLittle
        if flavor == .orders, j < fixedModalities.count {
            switch modality {
            case .dx, .mr: encoding = .rle
            case .cr, .ct: encoding = .implicitLittle
            }
        }
        // The zip site's first studies as a PACS exports them: each lossless JPEG family syntax.
        if flavor == .zip, j < fixedModalities.count {
            switch modality {
            case .dx: encoding = .jpegLosslessSV1
            case .ct: encoding = .jpegLS
            case .cr: encoding = .jpeg2000Lossless
            case .mr: encoding = .jpegLossless
            }
        }
        if options.compressed {
            encoding = SampleEncoding.compressed[(site + j) % SampleEncoding.compressed.count]
        }
        let profile = options.profile
        let size: Int, fov: Double, slices: Int
        switch modality {
        case .dx, .cr: (size, fov, slices) = (profile.radiographSize, 409.6, 1)
        case .ct: (size, fov, slices) = (profile.ctSize, 360, profile.ctSlices)
        case .mr: (size, fov, slices) = (profile.mrSize, 384, profile.mrSlices)
        }
        let spacing = (fov / Double(size) * 10_000).rounded() / 10_000
        let thickness = slices > 1 ? max((250 / Double(slices) * 4).rounded() / 4, 0.25) : 0
        let missing: Int? = (flavor == .orders && modality == .ct && j == 1 && slices >= 4) ? slices / 2 : nil

        let patientNumber = pad(number, 4)
        let birth = "\(1945 + rng.int(0...45))\(pad(rng.int(1...12), 2))\(pad(rng.int(1...28), 2))"
        let sex = rng.chance(0.5) ? "F" : "M"
        let seconds = 8 * 3600 + j * 17 * 60 + rng.int(0...59)
        let time = "\(pad(seconds / 3600 % 24, 2))\(pad(seconds / 60 % 60, 2))\(pad(seconds % 60, 2))"

        var anatomyRng = SampleRandom(seed: key ^ 0xA11A_70A1)
        let anatomy = modality.isRadiograph ? ChestAnatomy.frontal(&anatomyRng) : ChestAnatomy.axial(&anatomyRng)
        var noduleRng = SampleRandom(seed: key ^ 0x0D01_E5)
        let nodules = hasFinding
            ? placeNodules(anatomy: anatomy, size: size, spacing: spacing, slices: slices, thickness: thickness,
                           avoiding: missing, &noduleRng)
            : []

        func uid(_ purpose: String) -> String {
            SampleUID.make(seed: seed, ["site", letter, "study", String(number)], purpose: purpose)
        }
        let folder: String
        switch flavor {
        case .folder: folder = "STUDY\(pad(number, 3))/SERIES001"
        case .zip: folder = "DICOM/ST\(pad(number, 3))/SE001"
        case .orders: folder = "study-\(pad(number, 3))/series-01"
        }
        return PlannedStudy(
            site: site, siteLetter: letter, number: number, key: key, modality: modality, encoding: encoding,
            monochrome1: modality.isRadiograph && (site + j / 2) % 2 == 0,
            patientID: "SITE\(letter)-\(patientNumber)", patientName: "SAMPLE^PATIENT^\(letter)\(pad(number, 2))",
            birthDate: birth, sex: sex, accession: "SMP\(letter)\(pad(number, 5))", studyDate: date, studyTime: time,
            studyUID: uid("study"), seriesUID: uid("series"), frameOfReferenceUID: uid("frame-of-reference"),
            folder: folder, size: size, spacing: spacing, slices: slices, sliceThickness: thickness,
            missingSlice: missing, anatomy: anatomy, nodules: nodules)
    }

    /// One or two nodules, each wholly inside a lung, centred on a pixel (and on a slice).
    static func placeNodules(
        anatomy: ChestAnatomy, size: Int, spacing: Double, slices: Int, thickness: Double, avoiding missing: Int?,
        _ rng: inout SampleRandom
    ) -> [Nodule] {
        let placer = NodulePlacer(size: size, spacing: spacing)
        let count = rng.chance(0.7) ? 1 : 2
        var nodules: [Nodule] = []
        var attempts = 0
        while nodules.count < count, attempts < 50 {
            attempts += 1
            let radius = placer.radius(&rng)
            var z = 0.0
            var lung = anatomy.lungs[rng.int(0...1)]
            if slices > 1 {
                // Middle third of the volume, where the lungs are wide; never the missing slice.
                let lo = slices / 3, hi = max(lo, slices - 1 - slices / 3)
                var index = rng.int(lo...hi)
                if index == missing { index = index > lo ? index - 1 : index + 1 }
                z = (Double(index) - Double(slices - 1) / 2) * thickness
                lung = lung.scaled(anatomy.lungScale(atZ: z))
            }
            let (px, py) = placer.place(in: lung, radius: radius, &rng)
            let candidate = Nodule(x: placer.mm(px), y: placer.mm(py), z: z, radius: radius)
            guard anatomy.clearOfHeart(candidate.x, candidate.y, radius: radius) else { continue }
            let clear = nodules.allSatisfy { other in
                let dx = other.x - candidate.x, dy = other.y - candidate.y, dz = other.z - candidate.z
                let gap = (other.radius + candidate.radius) * 2
                return dx * dx + dy * dy + dz * dz > gap * gap
            }
            if clear { nodules.append(candidate) }
        }
        return nodules
    }
}

/// Calendar arithmetic for the fixed sample dates (no Foundation calendars, no time zones).
enum SampleDate {
    static func adding(days: Int, to start: (Int, Int, Int)) -> String {
        var (year, month, day) = start
        day += days
        while true {
            let length = monthLength(year, month)
            if day <= length { break }
            day -= length
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return "\(year)\(pad(month, 2))\(pad(day, 2))"
    }

    static func monthLength(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
