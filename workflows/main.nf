#!/usr/bin/env nextflow
/*
 * hiclstm: Hi-C-LSTM representations of Hi-C maps, their evaluation, element classification,
 * feature attribution and in-silico perturbation.
 *
 *   nextflow run workflows/main.nf -profile test,docker                     # embedded default
 *   nextflow run workflows/main.nf -profile singularity,slurm,gpu -params-file params.yaml
 *
 * The same params YAML runs on one machine with `hiclstm-pipeline --params params.yaml`, which
 * runs these steps in this order and writes the same results layout (see README, "Pipeline").
 */
nextflow.enable.dsl = 2

include { validateParameters; samplesheetToList } from 'plugin/nf-schema'

include { HICLSTM_SIMULATE  } from './modules/local/hiclstm/simulate/main'
include { HICLSTM_IMPORT    } from './modules/local/hiclstm/import/main'
include { HICLSTM_DOWNSAMPLE } from './modules/local/hiclstm/downsample/main'
include { HICLSTM_TRAIN     } from './modules/local/hiclstm/train/main'
include { HICLSTM_PREDICT   } from './modules/local/hiclstm/predict/main'
include { HICLSTM_EVALUATE  } from './modules/local/hiclstm/evaluate/main'
include { HICLSTM_BASELINE  } from './modules/local/hiclstm/baseline/main'
include { HICLSTM_CLASSIFY  } from './modules/local/hiclstm/classify/main'
include { HICLSTM_ATTRIBUTE; HICLSTM_ATTRIBUTE_MERGE } from './modules/local/hiclstm/attribute/main'
include { HICLSTM_PERTURB   } from './modules/local/hiclstm/perturb/main'
include { HICLSTM_REPORT    } from './modules/local/hiclstm/report/main'

// Files named inside a YAML list (classification tasks) are staged beside it.
def yamlLoad(path) {
    return new org.yaml.snakeyaml.Yaml().load(file(path, checkIfExists: true).text)
}

workflow {
    validateParameters()

    ch_versions = Channel.empty()
    def simulated = !params.input

    //
    // Inputs: the samplesheet, or the embedded default genome with its truth tracks.
    //
    if (simulated) {
        def sim_meta = [id: params.simulate_preset, preset: params.simulate_preset, resolution: params.simulate_resolution, seed: params.seed]
        HICLSTM_SIMULATE(Channel.value(sim_meta))
        ch_versions = ch_versions.mix(HICLSTM_SIMULATE.out.versions)
        ch_maps = HICLSTM_SIMULATE.out.pairs.map { meta, pairs -> [[id: meta.id, format: 'pairs', resolution: meta.resolution], pairs] }
        ch_truth = HICLSTM_SIMULATE.out.truth.map { meta, beds, loops, sizes -> beds.collectEntries { [(it.name.tokenize('.')[-2]): it] } }.first()
    } else {
        ch_maps = Channel
            .fromList(samplesheetToList(params.input, "${projectDir}/../schemas/samplesheet.schema.json"))
            .map { meta, map -> [meta + [id: meta.replicate ? "${meta.id}_rep${meta.replicate}" : meta.id], map] }
        ch_truth = Channel.value([:])
    }

    HICLSTM_IMPORT(ch_maps)
    ch_versions = ch_versions.mix(HICLSTM_IMPORT.out.versions)

    //
    // Read-depth experiment: each sample's contacts at each fraction of params.read_depths, a
    // sample of its own (ID_depthF) for training, prediction, evaluation and classification.
    //
    HICLSTM_DOWNSAMPLE(
        HICLSTM_IMPORT.out.contacts
            .combine(Channel.fromList(params.read_depths ?: []))
            .map { meta, contacts, bins, f -> [meta + [id: "${meta.id}_depth${f}", depth: f], contacts, bins] }
    )
    ch_versions = ch_versions.mix(HICLSTM_DOWNSAMPLE.out.versions)
    ch_contacts = HICLSTM_IMPORT.out.contacts.mix(HICLSTM_DOWNSAMPLE.out.contacts)

    //
    // Model: train, predict the observed pixels, evaluate against the distance-mean baseline.
    //
    def orient = params.orient ? file(params.orient, checkIfExists: true) : []
    // The trans table of an imported sample (params.trans); [] for the read-depth samples.
    ch_train = ch_contacts
        .join(HICLSTM_IMPORT.out.trans, remainder: true)
        .map { meta, contacts, bins, trans -> [meta, contacts, bins, trans ?: []] }
    HICLSTM_TRAIN(ch_train, params.model_config ? file(params.model_config, checkIfExists: true) : [], orient)
    ch_versions = ch_versions.mix(HICLSTM_TRAIN.out.versions)

    // Attribution and edits run on the full-depth samples only.
    ch_full_models = HICLSTM_TRAIN.out.model.filter { meta, model -> !meta.depth }

    HICLSTM_PREDICT(HICLSTM_TRAIN.out.model.join(ch_contacts))
    ch_versions = ch_versions.mix(HICLSTM_PREDICT.out.versions)

    HICLSTM_EVALUATE(HICLSTM_PREDICT.out.predictions.join(HICLSTM_TRAIN.out.log))
    ch_versions = ch_versions.mix(HICLSTM_EVALUATE.out.versions)

    //
    // Representations of other methods, and element classification with all of them.
    //
    def methods = params.baselines ? params.baselines.tokenize(',')*.trim() : []
    HICLSTM_BASELINE(ch_train.combine(Channel.fromList(methods)), orient)
    ch_versions = ch_versions.mix(HICLSTM_BASELINE.out.versions)

    ch_report_classify = Channel.empty()
    ch_report_attribute = Channel.empty()
    if (params.classify_tasks || simulated) {
        if (params.classify_tasks) {
            def tasks_file = file(params.classify_tasks, checkIfExists: true)
            ch_tasks = Channel.value(tasks_file)
            ch_task_files = Channel.value(yamlLoad(params.classify_tasks).tasks.collect { tasks_file.parent.resolve(it.file) }.unique())
        } else {
            ch_tasks = HICLSTM_SIMULATE.out.tasks.map { meta, yaml, beds -> yaml }.first()
            ch_task_files = HICLSTM_SIMULATE.out.tasks.map { meta, yaml, beds -> beds }.first()
        }
        ch_reps = HICLSTM_TRAIN.out.representations
            .map { meta, reps -> [meta, 'hiclstm', reps] }
            .mix(HICLSTM_BASELINE.out.representations)
            .groupTuple()
            // Sorted by label so that the command line, and so -resume, does not depend on arrival order.
            .map { meta, labels, files ->
                def pairs = [labels, files].transpose().sort { it[0] }
                [meta, pairs.collect { it[0] }, pairs.collect { it[1] }]
            }
        HICLSTM_CLASSIFY(ch_reps, ch_tasks, ch_task_files)
        ch_versions = ch_versions.mix(HICLSTM_CLASSIFY.out.versions)
        ch_report_classify = HICLSTM_CLASSIFY.out.metrics.mix(HICLSTM_CLASSIFY.out.plots)
    }

    //
    // Attribution, summarised over element sets and TADs (the simulated truth by default).
    //
    ch_tads = params.tads ? Channel.value(file(params.tads, checkIfExists: true)) : ch_truth.map { t -> t.tads ?: [] }
    if (params.attribute) {
        def given = params.attribute_elements ?: [:]
        ch_elements = given
            ? Channel.value(given.collectEntries { name, bed -> [(name): file(bed, checkIfExists: true)] })
            : ch_truth.map { t -> t.subMap(['boundaries', 'ctcf']) }
        ch_element_names = ch_elements.map { e -> e.keySet().sort() }
        ch_element_beds = ch_elements.map { e -> e.keySet().sort().collect { e[it] } }
        if (params.attribute_scatter) {
            // One task per chromosome of each model (its model.yaml lists them), without
            // summaries; one task joins them, normalises over all and summarises: the same tables
            // as a single task.
            ch_chroms = ch_full_models.flatMap { meta, model ->
                new org.yaml.snakeyaml.Yaml().load(model.resolve('model.yaml').text).chromosomes.collect { c -> [meta, c.name] }
            }
            HICLSTM_ATTRIBUTE(ch_full_models.join(ch_contacts).combine(ch_chroms, by: 0), [], [], [])
            ch_parts = HICLSTM_ATTRIBUTE.out.attributions.map { meta, table, bedgraph -> [meta, table] }.groupTuple()
            HICLSTM_ATTRIBUTE_MERGE(ch_full_models.join(ch_parts), ch_element_names, ch_element_beds, ch_tads)
            ch_versions = ch_versions.mix(HICLSTM_ATTRIBUTE_MERGE.out.versions)
            ch_report_attribute = HICLSTM_ATTRIBUTE_MERGE.out.attributions.mix(HICLSTM_ATTRIBUTE_MERGE.out.summary, HICLSTM_ATTRIBUTE_MERGE.out.plots, HICLSTM_ATTRIBUTE_MERGE.out.bigwig)
        } else {
            HICLSTM_ATTRIBUTE(ch_full_models.join(ch_contacts).map { it + [''] }, ch_element_names, ch_element_beds, ch_tads)
            ch_report_attribute = HICLSTM_ATTRIBUTE.out.attributions.mix(HICLSTM_ATTRIBUTE.out.summary, HICLSTM_ATTRIBUTE.out.plots, HICLSTM_ATTRIBUTE.out.bigwig)
        }
        ch_versions = ch_versions.mix(HICLSTM_ATTRIBUTE.out.versions)
    }

    //
    // In-silico edits of every model.
    //
    if (params.edits == null && simulated && params.simulate_preset == 'toy') {
        // The embedded default's edits: `sites` names a BED of the simulation, `anchors` its loops.
        def edits = yamlLoad("${projectDir}/assets/simulated_edits.yaml")
        ch_edits = HICLSTM_SIMULATE.out.truth
            .map { meta, beds, loops, sizes -> [beds, loops] }
            .first()
            .flatMap { truth -> edits.collect { e -> [e, e.sites ? truth[0].find { it.name == e.sites } : [], e.anchors ? truth[1] : [], [], []] } }
    } else {
        ch_edits = Channel.fromList(params.edits ?: []).map { e ->
            [e, e.sites ? file(e.sites, checkIfExists: true) : [], e.anchors ? file(e.anchors, checkIfExists: true) : [],
             e.observed ? file(e.observed, checkIfExists: true) : [], e.observed_mutant ? file(e.observed_mutant, checkIfExists: true) : []]
        }
    }
    HICLSTM_PERTURB(ch_full_models.combine(ch_edits), ch_tads)
    ch_versions = ch_versions.mix(HICLSTM_PERTURB.out.versions)

    ch_versions_file = ch_versions
        .unique()
        .collectFile(name: 'versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true)

    //
    // One self-contained HTML report of every sample (report/hiclstm.report.html). Step timings
    // are Nextflow's own (-with-report, -with-trace).
    //
    def files_of = { ch -> ch.flatten().filter { it instanceof java.nio.file.Path }.collect().ifEmpty([]) }
    ch_params_file = Channel.of(params.collect { k, v -> "${k}: ${v}" }.sort().join('\n') + '\n').collectFile(name: 'params.yaml')
    HICLSTM_REPORT(
        files_of(HICLSTM_PREDICT.out.maps),
        files_of(HICLSTM_EVALUATE.out.metrics.mix(HICLSTM_EVALUATE.out.plots)),
        files_of(ch_report_classify),
        files_of(ch_report_attribute),
        files_of(HICLSTM_PERTURB.out.perturbations.mix(HICLSTM_PERTURB.out.site_effects, HICLSTM_PERTURB.out.plots, HICLSTM_PERTURB.out.maps)),
        ch_versions_file.mix(ch_params_file).collect()
    )
}
