process HICLSTM_REPORT {
    tag "report"
    label 'process_single'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    // Every sample's results, staged in the results layout that hiclstm-report reads.
    path(predict  , stageAs: 'predict/*')
    path(evaluate , stageAs: 'evaluate/*')
    path(classify , stageAs: 'classify/*')
    path(attribute, stageAs: 'attribute/*')
    path(perturb  , stageAs: 'perturb/*')
    path(info     , stageAs: 'pipeline_info/*')

    output:
    path("${prefix}.report.html"), emit: report
    path "versions.yml"          , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: 'hiclstm'
    """
    hiclstm-report \\
        . \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-report --version | sed 's/^hiclstm-report //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: 'hiclstm'
    """
    touch ${prefix}.report.html
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-report --version | sed 's/^hiclstm-report //')
    END_VERSIONS
    """
}
