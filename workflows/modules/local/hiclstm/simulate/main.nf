process HICLSTM_SIMULATE {
    tag "$meta.id"
    label 'process_single'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    val(meta)

    output:
    tuple val(meta), path("${prefix}.pairs.gz")                                             , emit: pairs
    tuple val(meta), path("${prefix}.contacts.parquet"), path("${prefix}.bins.parquet")     , emit: contacts
    tuple val(meta), path("${prefix}.tasks.yaml"), path("${prefix}.{compartments,boundaries,ctcf}.bed"), emit: tasks
    tuple val(meta), path("${prefix}.{tads,boundaries,ctcf,compartments}.bed"), path("${prefix}.loops.bedpe"), path("${prefix}.chrom.sizes"), emit: truth
    path "versions.yml"                                                                      , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    hiclstm-simulate \\
        --preset ${meta.preset} \\
        --resolution ${meta.resolution} \\
        --seed ${meta.seed} \\
        --pairs \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-simulate --version | sed 's/^hiclstm-simulate //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.pairs.gz ${prefix}.contacts.parquet ${prefix}.bins.parquet ${prefix}.tasks.yaml ${prefix}.loops.bedpe ${prefix}.chrom.sizes
    touch ${prefix}.tads.bed ${prefix}.boundaries.bed ${prefix}.ctcf.bed ${prefix}.compartments.bed
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-simulate --version | sed 's/^hiclstm-simulate //')
    END_VERSIONS
    """
}
